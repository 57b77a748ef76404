"""The least-privilege PostgreSQL role the application runs as.

The role that runs migrations owns the tables; the web, worker and beat processes
connect as a separate runtime role that owns nothing. Only an owner (or a superuser) may
`ALTER TABLE ... DISABLE TRIGGER`, so the runtime role cannot switch off the audit
table's append-only trigger, and it holds only SELECT and INSERT on that table: no
UPDATE, DELETE or TRUNCATE. Every other table gets the DML the application needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction
from psycopg import sql

# Evidence tables: the runtime may add rows and read them, never change or remove them.
APPEND_ONLY_TABLES = ("fintech_auditevent",)
# The runtime reads the migration history (health checks); only the owner writes it.
READ_ONLY_TABLES = ("django_migrations",)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
TOO_POWERFUL = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls")


class RuntimeRoleRefused(Exception):
    """The role cannot be made a least-privilege runtime role (missing, too powerful, or an owner)."""


@dataclass(frozen=True)
class RuntimeRoleGrant:
    role: str
    created: bool
    tables: int
    append_only: tuple[str, ...]


def runtime_role_grant(*, role: str, create: bool = False, password: str | None = None) -> RuntimeRoleGrant:
    """Create (if asked and allowed) the runtime role and grant it least privilege on this database.

    Idempotent: every table's grants are first revoked then granted again, so a rerun after
    each `migrate` also takes back anything granted by hand. Run it as the tables' owner;
    `create` needs CREATEROLE (or a superuser). Checks the result before committing.
    """
    if not ROLE_NAME.match(role):
        raise RuntimeRoleRefused(f"{role!r} is not a plain lower-case role name")
    with transaction.atomic(), connection.cursor() as cursor:
        raw = connection.connection

        def run(template: str, *identifiers: str, literal: str | None = None) -> None:
            parts = [sql.Identifier(name) for name in identifiers]
            if literal is not None:
                parts.append(sql.Literal(literal))
            cursor.execute(sql.SQL(template).format(*parts).as_string(raw))

        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles "
            "WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        created = found is None
        if created:
            if not create:
                raise RuntimeRoleRefused(f"role {role} does not exist: create it with --create as a role admin")
            attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            if password:
                run(f"CREATE ROLE {{}} {attributes} PASSWORD {{}}", role, literal=password)
            else:
                run(f"CREATE ROLE {{}} {attributes}", role)
        elif any(found):
            granted = [name for name, value in zip(TOO_POWERFUL, found, strict=True) if value]
            raise RuntimeRoleRefused(f"role {role} holds {', '.join(granted)}: too powerful to be the runtime role")

        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        cursor.execute(
            "SELECT tablename, pg_has_role(%s, tableowner, 'MEMBER') FROM pg_tables "
            "WHERE schemaname = current_schema() ORDER BY tablename",
            [role],
        )
        tables = cursor.fetchall()
        owned = [name for name, is_owner in tables if is_owner]
        if owned:
            raise RuntimeRoleRefused(f"role {role} owns (or is a member of the owner of) {', '.join(owned[:5])}")

        run("GRANT CONNECT ON DATABASE {} TO {}", database, role)
        run("GRANT USAGE ON SCHEMA {} TO {}", schema, role)
        for table, _ in tables:
            run("REVOKE ALL ON TABLE {} FROM {}", table, role)
            if table in APPEND_ONLY_TABLES:
                run("GRANT SELECT, INSERT ON TABLE {} TO {}", table, role)
            elif table in READ_ONLY_TABLES:
                run("GRANT SELECT ON TABLE {} TO {}", table, role)
            else:
                run("GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {} TO {}", table, role)
        run("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}", schema, role)
        _check_append_only(cursor, role, [table for table, _ in tables if table in APPEND_ONLY_TABLES])
    return RuntimeRoleGrant(role, created, len(tables), APPEND_ONLY_TABLES)


def _check_append_only(cursor, role: str, tables: list[str]) -> None:
    """GRANT by a non-owner only warns; this turns a grant that did not take into an error."""
    for table in tables:
        cursor.execute(
            "SELECT has_table_privilege(%s, %s, 'SELECT'), has_table_privilege(%s, %s, 'INSERT'), "
            "has_table_privilege(%s, %s, 'UPDATE, DELETE, TRUNCATE')",
            [role, table] * 3,
        )
        can_select, can_insert, can_change = cursor.fetchone()
        if not (can_select and can_insert) or can_change:
            raise RuntimeRoleRefused(
                f"{table}: grants did not take (run this as the tables' owner); "
                f"select={can_select} insert={can_insert} update/delete/truncate={can_change}"
            )
