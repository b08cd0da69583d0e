"""Domain room: forum rules for accounts, circles, memberships, threads and posts."""
