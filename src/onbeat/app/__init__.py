"""The officer's offline-first progressive web app, served at /app."""
