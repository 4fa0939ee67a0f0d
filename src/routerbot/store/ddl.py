"""The state store's schema in plain SQL: versions, migrations and SQLite's tables.

SQLite (the default, one replica) creates and upgrades its schema from these
statements, without SQLAlchemy (12 MiB of imports a SQLite daemon does not need).
They are the statements SQLAlchemy emits for :data:`routerbot.store.schema.metadata`
on SQLite (``tests/integration/test_store_sqlite.py`` compares both databases), so a
database created either way is the same. PostgreSQL creates its tables from that
metadata (:mod:`routerbot.store.schema`).
"""

from __future__ import annotations

#: Bump when a migration is added to :data:`MIGRATIONS`.
SCHEMA_VERSION = 2

#: version -> statements that bring a database from ``version - 1`` to ``version``.
#: A new database is created at the latest version directly.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        "ALTER TABLE ticket_state ADD COLUMN failures INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE ticket_state ADD COLUMN parked_until TIMESTAMP WITH TIME ZONE",
        "ALTER TABLE ticket_state ADD COLUMN last_error TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE action ADD COLUMN ticket_id VARCHAR(64) NOT NULL DEFAULT ''",
        "CREATE INDEX ix_action_ticket_id ON action (ticket_id)",
    ),
}

#: The latest schema on SQLite, table by table (``IF NOT EXISTS``: idempotent).
SQLITE_TABLES: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS schema_version (\n\tversion INTEGER NOT NULL, \n"
    "\tapplied_at DATETIME NOT NULL, \n\tPRIMARY KEY (version)\n)",
    "CREATE TABLE IF NOT EXISTS poll_cursor (\n\tname VARCHAR(100) NOT NULL, \n"
    "\tvalue DATETIME NOT NULL, \n\tupdated_at DATETIME NOT NULL, \n\tPRIMARY KEY (name)\n)",
    "CREATE TABLE IF NOT EXISTS ticket_state (\n\tticket_key VARCHAR(64) NOT NULL, \n"
    "\tlast_updated DATETIME, \n\tlast_trigger VARCHAR(255) DEFAULT '' NOT NULL, \n"
    "\tasks INTEGER DEFAULT '0' NOT NULL, \n\tstatus VARCHAR(40) DEFAULT '' NOT NULL, \n"
    "\twaiting_since DATETIME, \n\tcategory VARCHAR(100) DEFAULT '' NOT NULL, \n"
    "\tupdated_at DATETIME NOT NULL, \n\tfailures INTEGER DEFAULT '0' NOT NULL, \n"
    "\tparked_until DATETIME, \n\tlast_error TEXT DEFAULT '' NOT NULL, \n"
    "\tPRIMARY KEY (ticket_key)\n)",
    "CREATE INDEX IF NOT EXISTS ix_ticket_state_status ON ticket_state (status)",
    "CREATE TABLE IF NOT EXISTS ticket_lease (\n\tticket_key VARCHAR(64) NOT NULL, \n"
    "\towner VARCHAR(200) NOT NULL, \n\tepoch BIGINT NOT NULL, \n"
    "\tlease_until DATETIME NOT NULL, \n\tPRIMARY KEY (ticket_key)\n)",
    "CREATE TABLE IF NOT EXISTS leader_lease (\n\tname VARCHAR(100) NOT NULL, \n"
    "\towner VARCHAR(200) NOT NULL, \n\tepoch BIGINT NOT NULL, \n"
    "\tlease_until DATETIME NOT NULL, \n\tPRIMARY KEY (name)\n)",
    "CREATE TABLE IF NOT EXISTS action (\n\taction_id VARCHAR(128) NOT NULL, \n"
    "\tticket_key VARCHAR(64) NOT NULL, \n\tkind VARCHAR(40) NOT NULL, \n"
    "\tpayload JSON NOT NULL, \n\tstate VARCHAR(16) NOT NULL, \n"
    "\tattempts INTEGER DEFAULT '0' NOT NULL, \n"
    "\texternal_ref VARCHAR(255) DEFAULT '' NOT NULL, \n\terror TEXT DEFAULT '' NOT NULL, \n"
    "\tcreated DATETIME NOT NULL, \n\tupdated DATETIME NOT NULL, \n"
    "\tticket_id VARCHAR(64) DEFAULT '' NOT NULL, \n\tPRIMARY KEY (action_id)\n)",
    "CREATE INDEX IF NOT EXISTS ix_action_ticket_key ON action (ticket_key)",
    "CREATE INDEX IF NOT EXISTS ix_action_ticket_id ON action (ticket_id)",
    "CREATE INDEX IF NOT EXISTS ix_action_state_updated ON action (state, updated)",
    "CREATE INDEX IF NOT EXISTS ix_action_kind_state_updated ON action (kind, state, updated)",
)
