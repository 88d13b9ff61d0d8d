-- PL/pgSQL functions with $$ and $tag$ bodies, a trigger and its function, DO blocks, and an
-- SQL-standard BEGIN ATOMIC function.
-- statements: 12
-- check: SELECT id, owner, balance, updated FROM accounts ORDER BY id
-- check: SELECT account_id, delta, note FROM ledger ORDER BY id
-- check: SELECT describe(1), describe(3), total_balance()

CREATE TABLE accounts (
  id serial PRIMARY KEY,
  owner text NOT NULL,
  balance numeric NOT NULL DEFAULT 0,
  updated text
);
CREATE TABLE ledger (id serial PRIMARY KEY, account_id int, delta numeric, note text);

-- A plpgsql body between $$: its semicolons are not statement ends.
CREATE FUNCTION add_funds(acct int, amount numeric) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
  result numeric;
BEGIN
  UPDATE accounts SET balance = balance + amount WHERE id = acct
    RETURNING balance INTO result;
  INSERT INTO ledger (account_id, delta, note) VALUES (acct, amount, 'credit; it''s fine');
  RETURN result;
END;
$$;

-- A $body$ quote may hold $$ and ' freely.
CREATE OR REPLACE FUNCTION describe(acct int) RETURNS text
LANGUAGE plpgsql STABLE AS $body$
BEGIN
  RETURN (SELECT owner || ': ' || balance::text || '; $$ is not a quote here'
          FROM accounts WHERE id = acct);
END;
$body$;

CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated := 'touched; ' || TG_OP;
  RETURN NEW;
END
$fn$;

CREATE TRIGGER accounts_touch BEFORE INSERT OR UPDATE ON accounts
  FOR EACH ROW EXECUTE FUNCTION touch();

CREATE FUNCTION total_balance() RETURNS numeric
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT CASE WHEN count(*) = 0 THEN 0 ELSE sum(balance) END FROM accounts;
END;

CREATE PROCEDURE reset_ledger(keep int)
LANGUAGE sql
BEGIN ATOMIC
  DELETE FROM ledger WHERE account_id > keep;
  UPDATE ledger SET note = note || '; kept' WHERE account_id <= keep;
END;

INSERT INTO accounts (owner) VALUES (E'O\'Brien; Jr.'), ('it''s; ok'), ($q$dollar; 'quoted'$q$);

DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT id FROM accounts ORDER BY id LOOP
    PERFORM add_funds(r.id, r.id * 10);
  END LOOP;
END
$$;

DO LANGUAGE plpgsql $do$ BEGIN
  INSERT INTO ledger (account_id, delta, note) VALUES (0, 0, 'total; ' || total_balance()::text);
END $do$;

CALL reset_ledger(2)
