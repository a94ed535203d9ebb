"""The audit log outlives users and relations (SPEC 1.3).

Its two foreign keys lose their database constraints and do nothing on delete, so
deleting a user (and by cascade their relations) leaves every log row with its
relation_id and actor_id as they were. The columns keep their indexes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tutor_relations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='relationstatuslog',
            name='actor',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='relationstatuslog',
            name='relation',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='status_log', to='tutor_relations.tutorstudentrelation'),
        ),
    ]
