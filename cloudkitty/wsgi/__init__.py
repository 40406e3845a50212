"""WSGI entry points for external servers (uwsgi, gunicorn, mod_wsgi)."""
