from django.apps import AppConfig
from django.core import checks


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"

    def ready(self) -> None:
        from django.contrib import admin

        from dashboard.checks import mail_configured
        from dashboard.login import LimitedAdminAuthenticationForm

        checks.register(mail_configured)
        # The admin's login counts towards the same brute-force limits as the dashboard's.
        admin.site.login_form = LimitedAdminAuthenticationForm
