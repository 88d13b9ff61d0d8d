-- Literals and identifiers holding semicolons and quotes, comments in odd places.
-- statements: 6
-- check: SELECT * FROM "odd;table" ORDER BY 1
-- check: SELECT label FROM v_labels ORDER BY label

CREATE TABLE "odd;table" (
  "semi;colon" TEXT,
  [bracket;ed] TEXT,
  `back;tick` TEXT
);;

INSERT INTO "odd;table" VALUES
  ('it''s; one', '--not a comment', '/* not a comment */'),
  ('two;;', 'x'';''y', 'é; ü; 𝄞'); -- trailing comment; with semicolons

/* multi-line
   comment; with ; semicolons
*/ INSERT INTO "odd;table" ("semi;colon") VALUES (X'3B3B' || ';');
;
-- a comment alone; on its line
CREATE VIEW v_labels AS
  SELECT "semi;colon" || '|' || COALESCE([bracket;ed], 'NULL;') AS label FROM "odd;table";

UPDATE "odd;table" SET `back;tick` = CASE WHEN "semi;colon" LIKE 'two%' THEN 'end;' ELSE `back;tick` END;
SELECT 'a statement with no effect; still a statement'
-- a comment-only tail; not a statement
