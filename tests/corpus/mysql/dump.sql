-- The shape of a mysqldump file: /*! ... */ version comments, DELIMITER ;; around triggers.
-- statements: 9
-- check: SELECT id, v FROM `t;dump` ORDER BY id
-- check: SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't;dump'

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;

DROP TABLE IF EXISTS `t;dump`;
CREATE TABLE `t;dump` (
  `id` int(11) NOT NULL,
  `v` varchar(100) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /*!50100 COMMENT='a; table' */;

DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=CURRENT_USER*/ /*!50003 TRIGGER `t_bi` BEFORE INSERT ON `t;dump` FOR EACH ROW BEGIN
  SET NEW.v = CONCAT(NEW.v, ';', 'triggered');
END */;;
DELIMITER ;

INSERT INTO `t;dump` VALUES (1,'a;b'),(2,'c\'d'),(3,'e\\;f'),(4,'é;ü');
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
