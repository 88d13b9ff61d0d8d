use super::*;
use crate::Dialect::{Mysql, Postgres, Sqlite};
use crate::schema_model::DefaultValue;

#[test]
fn portable_spellings_parse_and_print_back() {
    for t in [
        "smallint",
        "integer",
        "bigint",
        "real",
        "double",
        "decimal(10,2)",
        "boolean",
        "text",
        "varchar(255)",
        "char(2)",
        "date",
        "time",
        "timestamp",
        "blob",
        "json",
        "uuid",
    ] {
        assert_eq!(ColumnType::parse(t).unwrap().to_string(), t);
    }
    assert_eq!(
        ColumnType::parse("text(64)").unwrap(),
        ColumnType::Varchar(64)
    );
    assert_eq!(
        ColumnType::parse("VARCHAR( 20 )").unwrap(),
        ColumnType::Varchar(20)
    );
    assert!(
        ColumnType::parse("varchar")
            .unwrap_err()
            .contains("one length")
    );
    assert!(
        ColumnType::parse("money")
            .unwrap_err()
            .contains("unknown type `money`")
    );
}

#[test]
fn each_catalog_spelling_reads_back_as_what_was_declared() {
    let cases: &[(&str, Dialect, &str)] = &[
        ("varchar(255)", Postgres, "character varying(255)"),
        ("char(2)", Postgres, "character(2)"),
        ("timestamp", Postgres, "timestamp with time zone"),
        ("json", Postgres, "jsonb"),
        ("double", Postgres, "double precision"),
        ("decimal(10,2)", Postgres, "numeric(10,2)"),
        ("boolean", Mysql, "tinyint(1)"),
        ("integer", Mysql, "int(11)"),
        ("bigint", Mysql, "bigint(20)"),
        ("timestamp", Mysql, "datetime(6)"),
        ("uuid", Mysql, "char(36)"),
        ("blob", Mysql, "longblob"),
    ];
    for (declared, dialect, catalog) in cases {
        let declared = ColumnType::parse(declared).unwrap();
        assert_eq!(
            ColumnType::from_catalog(*dialect, catalog).canonical(*dialect),
            declared.canonical(*dialect),
            "{declared} on {dialect}"
        );
        assert_eq!(
            ColumnType::from_catalog(*dialect, &declared.sql(*dialect)).canonical(*dialect),
            declared.canonical(*dialect)
        );
    }
    // SQLite keeps what it can tell apart: its affinities.
    assert_eq!(ColumnType::Varchar(255).canonical(Sqlite), ColumnType::Text);
    assert_eq!(ColumnType::Boolean.canonical(Sqlite), ColumnType::Integer);
    assert_eq!(
        ColumnType::from_catalog(Sqlite, "VARCHAR(20)"),
        ColumnType::Text
    );
    assert_ne!(
        ColumnType::Varchar(255).canonical(Postgres),
        ColumnType::Varchar(300).canonical(Postgres)
    );
}

#[test]
fn files_spell_types_and_defaults_naturally() {
    #[derive(serde::Deserialize)]
    struct C {
        #[serde(rename = "type")]
        ty: ColumnType,
        default: DefaultValue,
    }
    let c: C = serde_json::from_str(r#"{"type": "varchar(16)", "default": "web"}"#).unwrap();
    assert_eq!(
        (c.ty, c.default),
        (ColumnType::Varchar(16), DefaultValue::Text("web".into()))
    );
    let c: C = serde_json::from_str(r#"{"type": {"postgres": "inet", "mysql": "varchar(45)"}, "default": {"sql": "gen_random_uuid()"}}"#).unwrap();
    assert_eq!(c.ty.sql(Postgres), "INET");
    assert_eq!(c.default, DefaultValue::Sql("gen_random_uuid()".into()));
    let c: C = serde_json::from_str(r#"{"type": "timestamp", "default": "now()"}"#).unwrap();
    assert_eq!(c.default, DefaultValue::Now);
}
