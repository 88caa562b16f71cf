-- Kept in step with ../postgres/0023_desk_queue_nulls_last.sql, which reorders PostgreSQL's
-- desk index. SQLite sorts NULLs first, so 0021's index (led by `due_at IS NULL`) is already
-- in the queue's order and seeks to any place; nothing changes here.
SELECT 1;
