"""OAuth 2.0 (issue 19): apps, their authorization codes and access tokens, every secret kept only as a hash."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0020_page_revision')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OAuthApp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_id', fields.CharField(unique=True, max_length=64)),
                ('client_secret_hash', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('website', fields.CharField(default='', max_length=2048)),
                ('redirect_uris', fields.TextField(unique=False)),
                ('scopes', fields.CharField(max_length=1024)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_apps', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An app registered at POST /api/v1/apps (or /oauth/register): its client id, the hash of its secret, the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OAuthCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code_hash', fields.CharField(unique=True, max_length=64)),
                ('app', fields.ForeignKeyField('models.OAuthApp', source_field='app_id', db_constraint=True, to_field='id', related_name='codes', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='oauth_codes', on_delete=OnDelete.CASCADE)),
                ('redirect_uri', fields.CharField(max_length=2048)),
                ('scopes', fields.CharField(max_length=1024)),
                ('code_challenge', fields.CharField(default='', max_length=128)),
                ('code_challenge_method', fields.CharField(default='', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_codes', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An authorization code a member granted an app on the consent page: short-lived and single use (used_at),'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OAuthToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('app', fields.ForeignKeyField('models.OAuthApp', source_field='app_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='oauth_tokens', on_delete=OnDelete.CASCADE)),
                ('code', fields.ForeignKeyField('models.OAuthCode', source_field='code_id', null=True, db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.SET_NULL)),
                ('scopes', fields.CharField(max_length=1024)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_tokens', 'app': 'models', 'indexes': [Index(fields=['account_id', 'app_id'])], 'pk_attr': 'id', 'table_description': 'An access token (Bearer): only its SHA-256 hash is kept. account is empty for an app-only token'},
            bases=['Model'],
        ),
    ]
