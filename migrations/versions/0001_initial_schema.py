"""initial schema: jobs, generic keys, streams, pub/sub bodies

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:48:48.611695
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _schema() -> str:
    """The target schema, chosen by env.py (``-x schema=`` or the migrate() helper)."""
    return str(context.config.attributes["schema"])


def upgrade() -> None:
    s = _schema()
    op.create_table('jobs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('ns', sa.Text(collation='C'), nullable=False),
    sa.Column('app', sa.Text(collation='C'), nullable=False),
    sa.Column('jid', sa.Text(collation='C'), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ns', 'app', 'jid', name='jobs_ns_app_jid_key'),
    schema=s
    )
    op.create_index('jobs_expires_at_idx', 'jobs', ['expires_at'], unique=False, schema=s, postgresql_where=sa.text('expires_at IS NOT NULL'))
    op.create_table('kv_keys',
    sa.Column('key', sa.Text(collation='C'), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('key'),
    schema=s
    )
    op.create_table('streams',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('stream', sa.Text(collation='C'), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('visible_at', sa.BigInteger(), nullable=False),
    sa.Column('reserved_by', sa.Text(), nullable=True),
    sa.Column('reserved_at', sa.BigInteger(), nullable=True),
    sa.Column('deliveries', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema=s
    )
    op.create_index('streams_pending_idx', 'streams', ['stream', 'id'], unique=False, schema=s, postgresql_where=sa.text('reserved_by IS NOT NULL'))
    op.create_index('streams_ready_idx', 'streams', ['stream', 'id'], unique=False, schema=s, postgresql_include=['visible_at'], postgresql_where=sa.text('reserved_by IS NULL'))
    op.create_table('sub_messages',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema=s
    )
    op.create_table('hash_fields',
    sa.Column('key', sa.Text(collation='C'), nullable=False),
    sa.Column('field', sa.Text(collation='C'), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['key'], [f'{s}.kv_keys.key'], name='hash_fields_key_fkey', onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'field', name='hash_fields_pkey'),
    schema=s
    )
    op.create_table('job_fields',
    sa.Column('job_id', sa.BigInteger(), nullable=False),
    sa.Column('field', sa.Text(collation='C'), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], [f'{s}.jobs.id'], name='job_fields_job_id_fkey', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'field', name='job_fields_pkey'),
    schema=s
    )
    op.create_table('list_items',
    sa.Column('key', sa.Text(collation='C'), nullable=False),
    sa.Column('idx', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['key'], [f'{s}.kv_keys.key'], name='list_items_key_fkey', onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'idx', name='list_items_pkey'),
    schema=s
    )
    op.create_table('zset_members',
    sa.Column('key', sa.Text(collation='C'), nullable=False),
    sa.Column('member', sa.Text(collation='C'), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['key'], [f'{s}.kv_keys.key'], name='zset_members_key_fkey', onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'member', name='zset_members_pkey'),
    schema=s
    )
    op.create_index('zset_members_score_idx', 'zset_members', ['key', 'score', 'member'], unique=False, schema=s)


def downgrade() -> None:
    s = _schema()
    op.drop_index('zset_members_score_idx', table_name='zset_members', schema=s)
    op.drop_table('zset_members', schema=s)
    op.drop_table('list_items', schema=s)
    op.drop_table('job_fields', schema=s)
    op.drop_table('hash_fields', schema=s)
    op.drop_table('sub_messages', schema=s)
    op.drop_index('streams_ready_idx', table_name='streams', schema=s, postgresql_include=['visible_at'], postgresql_where=sa.text('reserved_by IS NULL'))
    op.drop_index('streams_pending_idx', table_name='streams', schema=s, postgresql_where=sa.text('reserved_by IS NOT NULL'))
    op.drop_table('streams', schema=s)
    op.drop_table('kv_keys', schema=s)
    op.drop_index('jobs_expires_at_idx', table_name='jobs', schema=s, postgresql_where=sa.text('expires_at IS NOT NULL'))
    op.drop_table('jobs', schema=s)
