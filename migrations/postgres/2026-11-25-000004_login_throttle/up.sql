-- Failed logins per account and per address, in fixed windows, shared by every instance.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY NOT NULL,
    window_start    TIMESTAMP NOT NULL,
    failures        INTEGER NOT NULL
);
CREATE INDEX login_throttle_by_window ON login_throttle (window_start);
