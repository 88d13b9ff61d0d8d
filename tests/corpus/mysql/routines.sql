-- DELIMITER sections with a procedure, a function and a trigger; backslash escapes; # comments.
-- statements: 11
-- check: SELECT id, owner, balance, note FROM accounts ORDER BY id
-- check: SELECT account_id, delta, note FROM ledger ORDER BY id
-- check: SELECT describe_account(1), describe_account(2)

CREATE TABLE accounts (
  id INT AUTO_INCREMENT PRIMARY KEY,
  owner VARCHAR(100) NOT NULL,
  balance INT NOT NULL DEFAULT 0,
  note VARCHAR(200)
);
CREATE TABLE ledger (id INT AUTO_INCREMENT PRIMARY KEY, account_id INT, delta INT, note VARCHAR(200)); # hash comment; with a semicolon

DELIMITER //
CREATE PROCEDURE add_funds(IN acct INT, IN amount INT)
BEGIN
  DECLARE current INT DEFAULT 0;
  SELECT balance INTO current FROM accounts WHERE id = acct;
  IF current IS NULL THEN
    SET current = 0;
  END IF;
  UPDATE accounts SET balance = current + amount WHERE id = acct;
  INSERT INTO ledger (account_id, delta, note) VALUES (acct, amount, 'credit; \'quoted\' // not the end');
END//

-- A comment between routines; // inside it is not a delimiter.
CREATE FUNCTION describe_account(acct INT) RETURNS VARCHAR(300)
READS SQL DATA
BEGIN
  DECLARE result VARCHAR(300);
  SELECT CONCAT(owner, ': ', balance, '; done') INTO result FROM accounts WHERE id = acct;
  RETURN result;
END //
DELIMITER ;

DELIMITER $$
CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW
BEGIN
  SET NEW.note = CASE WHEN NEW.owner LIKE '%;%' THEN 'has; semicolon' ELSE 'plain' END;
END$$
CREATE TRIGGER accounts_bu BEFORE UPDATE ON accounts FOR EACH ROW
BEGIN
  IF NEW.balance > 15 THEN
    SET NEW.note = CONCAT(OLD.note, '; rich');
  END IF;
END $$
delimiter ;

INSERT INTO accounts (owner) VALUES ('O\'Brien; Jr.'), ("double \"quoted\"; name"), ('it''s; ok');
CALL add_funds(1, 10);
CALL add_funds(2, 20); -- dash comment; with a semicolon
/* block comment; with a semicolon */ CALL add_funds(3, 30);
INSERT INTO ledger (account_id, delta, note) SELECT id, 0, describe_account(id) FROM accounts
