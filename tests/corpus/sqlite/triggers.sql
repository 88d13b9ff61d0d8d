-- Triggers with BEGIN ... END bodies holding several statements and CASE expressions.
-- statements: 8
-- check: SELECT id, name, note FROM items ORDER BY id
-- check: SELECT item_id, action, detail FROM audit ORDER BY id
-- check: SELECT type, name FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY name

CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL, -- a comment; with a semicolon
  note TEXT DEFAULT 'it''s; fine'
);

/* A block comment; with semicolons; and a quote ' inside */
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  item_id INTEGER,
  action TEXT,
  detail TEXT
);

CREATE TRIGGER items_ai AFTER INSERT ON items
BEGIN
  INSERT INTO audit (item_id, action, detail)
  VALUES (
    NEW.id,
    'insert; after',
    CASE
      WHEN NEW.name LIKE '%;%' THEN 'has; semicolon'
      WHEN NEW.name = 'end' THEN CASE WHEN 1 THEN 'nested END' ELSE 'x' END
      ELSE 'plain'
    END
  );
  UPDATE items SET note = note || '; seen' WHERE id = NEW.id;
END;

CREATE TRIGGER IF NOT EXISTS items_bd BEFORE DELETE ON items
FOR EACH ROW WHEN OLD.name = 'keep;me'
BEGIN
  SELECT RAISE(ABORT, 'cannot delete; protected');
END;

CREATE TEMP TRIGGER IF NOT EXISTS items_au AFTER UPDATE OF name ON items
BEGIN
  INSERT INTO audit (item_id, action, detail) VALUES (NEW.id, 'rename', OLD.name || ' -> ' || NEW.name);
END;

INSERT INTO items (name) VALUES ('a;b'), ('plain'), ('keep;me'), ('end');
INSERT INTO items (name, note) VALUES ('quote', 'say "hi"; it''s ''quoted''');
DELETE FROM items WHERE name = 'plain'
