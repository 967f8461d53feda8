"""Connecting a store's social accounts over OAuth.

- ``origins``: which redirect_urls a store allows (no open redirects).
- ``state``: the server-side record of a flow in progress (single use, expiring).
- ``backends``: one social-core backend subclass per platform, in a registry
  (``backend_for``); each knows its URLs, scopes, token shapes and how an authorization
  becomes publishable identities (``identities``).
- ``flow``: start (auth_url and state) and finish (the callback).
- ``refresh``: token refresh under a row lock, ahead of expiry and before a publish.
"""
