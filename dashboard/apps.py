from django.apps import AppConfig
from django.core import checks


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"

    def ready(self) -> None:
        from dashboard.checks import mail_configured

        checks.register(mail_configured)
