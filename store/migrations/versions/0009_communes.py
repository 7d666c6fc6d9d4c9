"""many communes: commune_id on devices, reports, alerts and sources; the communes each user may see

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('devices', 'reports', 'alerts'):
        op.add_column(table, sa.Column('commune_id', sa.String(length=64), nullable=True))
        op.create_index(f'ix_{table}_commune_id', table, ['commune_id'])
    if op.get_bind().dialect.name == 'postgresql':   # SQLite cannot add a constraint to a table in place
        op.create_foreign_key('fk_devices_commune_id', 'devices', 'communes', ['commune_id'], ['id'])
    op.add_column('communes', sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('communes', sa.Column('city', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('source_health', sa.Column('commune_id', sa.String(length=64), nullable=True))
    op.create_table(
        'user_communes',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('commune_id', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.ForeignKeyConstraint(['commune_id'], ['communes.id']),
        sa.PrimaryKeyConstraint('user_id', 'commune_id'),
    )
    # what was stored for the one commune belongs to it: through the village, else the only commune
    op.execute("UPDATE devices SET commune_id = (SELECT v.commune_id FROM villages v WHERE v.id = devices.village_id) "
               "WHERE village_id IS NOT NULL")
    op.execute("UPDATE devices SET commune_id = (SELECT min(id) FROM communes) "
               "WHERE commune_id IS NULL AND (SELECT count(*) FROM communes) = 1")
    op.execute("UPDATE reports SET commune_id = (SELECT v.commune_id FROM villages v WHERE v.id = reports.village_id) "
               "WHERE village_id IS NOT NULL")
    op.execute("UPDATE reports SET commune_id = (SELECT min(id) FROM communes) "
               "WHERE commune_id IS NULL AND (SELECT count(*) FROM communes) = 1")
    op.execute("UPDATE alerts SET commune_id = (SELECT d.commune_id FROM devices d WHERE d.id = alerts.device_id) "
               "WHERE device_id IS NOT NULL")
    op.execute("UPDATE alerts SET commune_id = (SELECT v.commune_id FROM villages v WHERE v.id = alerts.village_id) "
               "WHERE commune_id IS NULL AND village_id IS NOT NULL")


def downgrade() -> None:
    op.drop_table('user_communes')
    op.drop_column('source_health', 'commune_id')
    with op.batch_alter_table('communes') as batch:
        batch.drop_column('position')
        batch.drop_column('city')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_devices_commune_id', 'devices', type_='foreignkey')
    for table in ('alerts', 'reports', 'devices'):
        op.drop_index(f'ix_{table}_commune_id', table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column('commune_id')
