"""A trigram index for the listing's text search, and per-minute metric rows.

On PostgreSQL the ``pg_trgm`` extension (trusted: a database owner may create it) and
two GIN indexes over ``UPPER(headline)`` and ``UPPER(description)``, the expressions
Django's ``icontains`` compares (``UPPER(col::text) LIKE UPPER('%q%')``), partial to
published profiles as the listing is. Other databases get neither and keep their scan.

``django.contrib.postgres`` imports a PostgreSQL driver, which a SQLite-only host may
not have: it is imported only when the migration runs on PostgreSQL. The extension is
left in place when the migration is reversed: other apps may use it.
"""

from django.db import migrations, models

TRIGRAM_INDEXES = {
    "tutor_mkt_headline_trgm": "headline",
    "tutor_mkt_description_trgm": "description",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.operations import TrigramExtension

    TrigramExtension().database_forwards("tutor_marketplace", schema_editor, None, None)
    table = schema_editor.quote_name(
        apps.get_model("tutor_marketplace", "TutorProfile")._meta.db_table
    )
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {table} "
            f"USING gin ((UPPER({schema_editor.quote_name(column)}::text)) gin_trgm_ops) "
            "WHERE is_published"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("tutor_marketplace", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="marketplacemetrics",
            name="count",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
