"""Who wrote each entry; the incident's walk and last change (several engineers share an incident).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("author", sa.String(200), nullable=False, server_default=""))
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("walk_path", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("updated_at", sa.Float, nullable=True))
    op.execute("UPDATE incidents SET updated_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("walk_path")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("author")
