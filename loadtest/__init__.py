"""`make load`: gunicorn on PostgreSQL under locust, on loopback. See `python -m loadtest --help`."""
