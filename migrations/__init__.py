"""Migrations: tortoise-orm migration files for the circlefed app (applied by `circlefed migrate`)."""
