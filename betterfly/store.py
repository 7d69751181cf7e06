"""Short-lived shared state: Redis when configured, otherwise a database table.

Caches, integration sessions and counters live here rather than in a process, so
that any number of web processes and workers see the same values.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .models import KeyValue, utcnow


class RedisStore:
    def __init__(self, redis, prefix: str = "betterfly:"):
        self.redis = redis
        self.prefix = prefix

    def get(self, key: str) -> str | None:
        value = self.redis.get(self.prefix + key)
        return value.decode() if isinstance(value, bytes) else value

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        px = int(ttl_seconds * 1000) if ttl_seconds else None
        self.redis.set(self.prefix + key, value, px=px)

    def delete(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def incr(self, key: str, ttl_seconds: float) -> int:
        """Add one to a counter; the counter expires ttl after its first increment."""
        full_key = self.prefix + key
        with self.redis.pipeline() as pipe:
            pipe.incr(full_key)
            pipe.pexpire(full_key, int(ttl_seconds * 1000), nx=True)
            count, _ = pipe.execute()
        return int(count)


class DatabaseStore:
    """The same contract on a table, through its own connections.

    It never touches the ORM session, so reading a cache cannot commit or roll
    back the caller's unit of work.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.table = KeyValue.__table__

    def get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.value, self.table.c.expires_at).where(
                    self.table.c.key == key
                )
            ).first()
        if row is None or self._expired(row.expires_at):
            return None
        return row.value

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        expires_at = utcnow() + timedelta(seconds=ttl_seconds) if ttl_seconds else None
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(self.table)
                .where(self.table.c.key == key)
                .values(value=value, expires_at=expires_at)
            ).rowcount
            if not changed:
                self._insert_or_overwrite(conn, key, value, expires_at)

    def delete(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(self.table).where(self.table.c.key == key))

    def incr(self, key: str, ttl_seconds: float) -> int:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(self.table.c.value, self.table.c.expires_at)
                .where(self.table.c.key == key)
                .with_for_update()
            ).first()
            if row is None or self._expired(row.expires_at):
                expires_at = utcnow() + timedelta(seconds=ttl_seconds)
                self._insert_or_overwrite(conn, key, "1", expires_at)
                return 1
            count = int(row.value) + 1
            conn.execute(
                update(self.table)
                .where(self.table.c.key == key)
                .values(value=str(count))
            )
            return count

    def _insert_or_overwrite(self, conn, key, value, expires_at) -> None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(self.table).values(
                        key=key, value=value, expires_at=expires_at
                    )
                )
        except IntegrityError:
            conn.execute(
                update(self.table)
                .where(self.table.c.key == key)
                .values(value=value, expires_at=expires_at)
            )

    @staticmethod
    def _expired(expires_at) -> bool:
        return expires_at is not None and expires_at <= utcnow()
