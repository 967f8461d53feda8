from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0006_post_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="posttarget",
            name="notices",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
