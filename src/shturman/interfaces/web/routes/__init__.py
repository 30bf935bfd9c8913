"""One router module per noun; ``public`` routes need no login, the rest are mounted behind
``auth.authenticated`` (app.py)."""
