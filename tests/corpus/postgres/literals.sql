-- Literals and comments holding semicolons, nested comments, a rule with several actions.
-- statements: 8
-- check: SELECT * FROM "odd;table" ORDER BY 1
-- check: SELECT * FROM rule_log ORDER BY 1
-- check: SELECT label FROM v_labels ORDER BY 1

CREATE TABLE "odd;table" ("semi;colon" text, other text);
CREATE TABLE rule_log (what text);

/* A nested /* block; comment */ still; a comment */
INSERT INTO "odd;table" VALUES
  (E'it\'s; escaped', 'it''s; doubled'),
  (E'tab\there; backslash \\', U&'unicode \00e9;'),  -- trailing; comment
  ($$dollar; 'quoted'$$, $x$ $$ inside; $x$);

CREATE RULE log_insert AS ON INSERT TO "odd;table"
  DO ALSO (INSERT INTO rule_log VALUES ('first; ' || NEW.other); INSERT INTO rule_log VALUES ('second;'));

INSERT INTO "odd;table" VALUES ('ruled', 'via; rule');
;;
CREATE VIEW v_labels AS
  SELECT "semi;colon" || ' | ' || coalesce(other, 'NULL;') AS label FROM "odd;table";

-- Transaction control inside a script is fine too.
SELECT 'BEGIN; END;' AS not_a_block;
UPDATE "odd;table" SET other = 'é; ü; 𝄞' WHERE "semi;colon" = 'ruled';
-- comment-only tail; ignored
