"""The app's routes, one module per concern: sign-in, pages, files, coach review, admin, and the JSON API."""
