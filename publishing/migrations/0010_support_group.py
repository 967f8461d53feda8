"""The `support` group: what support staff may see and do in the admin.

They see every store's posts, attempts, accounts (never a token: the admin shows none),
products and credits; they retry, cancel, settle and review posts and grant credits (each
leaving a record). They cannot change API keys, accounts or tokens, or store ownership
(stores and memberships are view only).
"""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_GROUP = "support"
PERMISSIONS = {
    "publishing": [
        "view_post",
        "retry_post",
        "cancel_post",
        "settle_post",
        "review_post",
        "view_posttarget",
        "view_publishattempt",
        "view_supportaction",
    ],
    "accounts": ["view_store", "view_membership", "view_socialaccount", "view_apikey"],
    "content_ai": [
        "view_product",
        "view_generation",
        "view_creditaccount",
        # Granting credits: the admin's form adds a ledger entry with the reason, and
        # the balance itself is read only.
        "change_creditaccount",
        "view_creditentry",
    ],
    "webhooks": [
        "view_webhookendpoint",
        "view_webhookevent",
        "view_webhookdelivery",
        "view_webhookattempt",
    ],
}


def create_support_group(apps: Any, schema_editor: Any) -> None:
    # Permissions are normally made after all migrations ran; make them now so the
    # group can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    for app_label, codenames in PERMISSIONS.items():
        found = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        missing = set(codenames) - set(found.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"support group: no permissions {sorted(missing)} in {app_label}")
        group.permissions.add(*found)


def remove_support_group(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0009_support_actions"),
        ("accounts", "0002_socialaccount_login_kind"),
        ("content_ai", "0001_initial"),
        ("webhooks", "0002_sweep_schedule"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
