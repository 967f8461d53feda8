from django.apps import AppConfig


class ContentAiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "content_ai"
