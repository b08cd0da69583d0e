"""CLI room: the circlefed command line (serve, worker, migrate, users, circles, ...)."""
