"""Web API: the Mastodon client API and what apps ask for before and after signing in."""
