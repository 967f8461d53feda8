"""The settings the tests run under: the service's own, from the environment as ever, but
served over plain HTTP.

The test client, live_server and the browser tests all speak http:// to the service, while
the tests' environment (DATABASE_URL set) is off the embedded default, where HTTPS is on by
default: redirected to https://, they would test nothing. The production defaults are checked
by tests/mollkom_social/test_deploy_check.py, which runs `manage.py check --deploy` in a
process of its own with a production environment.
"""

from mollkom_social.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
