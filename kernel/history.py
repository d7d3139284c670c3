"""Input history persisted in SQLite, across sessions, with tail, range and search (IPython's model).

Each LanguageService opens a new session row; inputs are numbered by their execution count. The
default file is `history.sqlite` in the user's data directory (platformdirs), or GRADTRACE_HISTORY;
it is private to the user (see private_files.py).
"""
import os
import sqlite3
import sys
import threading
import time

from .private_files import data_dir, prepare_private_file

_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (session INTEGER PRIMARY KEY AUTOINCREMENT, start REAL, end REAL);
CREATE TABLE IF NOT EXISTS history (session INTEGER, line INTEGER, source TEXT, source_raw TEXT,
                                    PRIMARY KEY (session, line));
CREATE TABLE IF NOT EXISTS output_history (session INTEGER, line INTEGER, output TEXT,
                                           PRIMARY KEY (session, line));
"""


def default_history_path():
    """GRADTRACE_HISTORY if set, else history.sqlite in the platform's user data directory."""
    configured = os.environ.get("GRADTRACE_HISTORY")
    if configured:
        return configured
    return os.path.join(data_dir(), "history.sqlite")


class HistoryStore:
    """One session's view of the history database (thread-safe; ':memory:' keeps it in memory)."""

    def __init__(self, path=None):
        self.path = path or default_history_path()
        self._lock = threading.Lock()
        self._db = self._open(self.path)
        with self._lock, self._db:
            self.session = self._db.execute("INSERT INTO sessions (start) VALUES (?)", (time.time(),)).lastrowid

    @staticmethod
    def _open(path):
        try:
            if path != ":memory:":
                # Every input a user typed is in here: 0600 in a 0700 directory, and so are SQLite's
                # -wal and -shm files (SQLite gives them the database file's mode).
                prepare_private_file(path, companions=_SQLITE_COMPANIONS)
            db = sqlite3.connect(path, check_same_thread=False, timeout=5)
            db.executescript(_SCHEMA)
            if path != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")  # readers (another kernel) never block writers
                db.execute("PRAGMA synchronous=NORMAL")
            return db
        except (OSError, sqlite3.Error) as error:
            print(f"gradtrace: history file {path} is unusable ({error}); history kept in memory only",
                  file=sys.stderr)
            db = sqlite3.connect(":memory:", check_same_thread=False)
            db.executescript(_SCHEMA)
            return db

    def store_input(self, line, source, source_raw=None):
        """Record input number `line` of this session."""
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)",
                             (self.session, line, source, source if source_raw is None else source_raw))

    def store_output(self, line, text):
        """Record the text/plain result of input `line`."""
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO output_history VALUES (?, ?, ?)", (self.session, line, text))

    def _query(self, where, params, *, raw, output, order="ASC", limit=None):
        column = "source_raw" if raw else "source"
        sql = (f"SELECT history.session, history.line, history.{column}"
               + (", output_history.output" if output else "")
               + " FROM history"
               + (" LEFT JOIN output_history USING (session, line)" if output else "")
               + f" {where} ORDER BY history.session {order}, history.line {order}")
        if limit is not None:
            sql += " LIMIT ?"
            params = (*params, int(limit))
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        if order == "DESC":
            rows.reverse()
        if output:
            return [(session, line, (source, out)) for session, line, source, out in rows]
        return [tuple(row) for row in rows]

    def tail(self, n=10, *, raw=True, output=False):
        """The last `n` inputs, across sessions, oldest first."""
        return self._query("", (), raw=raw, output=output, order="DESC", limit=n)

    def range(self, session=None, start=None, stop=None, *, raw=True, output=False):
        """Inputs `start` <= line < `stop` of a session (None or 0: this one; negative: that many back)."""
        if not session:
            session = self.session
        elif session < 0:
            session += self.session
        where, params = "WHERE history.session = ?", [session]
        if start is not None:
            where += " AND history.line >= ?"
            params.append(start)
        if stop is not None:
            where += " AND history.line < ?"
            params.append(stop)
        return self._query(where, tuple(params), raw=raw, output=output)

    def search(self, pattern="*", *, raw=True, output=False, n=None, unique=False):
        """Inputs matching a glob `pattern` (`*` any text, `?` one character), the last `n` if given."""
        column = "source_raw" if raw else "source"
        where = f"WHERE history.{column} GLOB ?"
        if unique:
            where += (f" AND history.rowid IN (SELECT MAX(rowid) FROM history WHERE {column} GLOB ?"
                      f" GROUP BY {column})")
            params = (pattern, pattern)
        else:
            params = (pattern,)
        return self._query(where, params, raw=raw, output=output, order="DESC", limit=n)

    def close(self):
        """Mark the session ended and close the database."""
        with self._lock:
            try:
                with self._db:
                    self._db.execute("UPDATE sessions SET end = ? WHERE session = ?", (time.time(), self.session))
                self._db.close()
            except sqlite3.Error:
                pass
