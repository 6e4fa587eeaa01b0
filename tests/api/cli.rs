//! The `serialhub` binary: `tenant create`, `migrate`, URL schemes, `--help`.

use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::db_tests;
use crate::kit::app::{spawn_on, test_settings, TestDb};
use crate::kit::process::run_cli;
use crate::kit::{store, Db};

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Tenants stored; a database no command has migrated yet holds none.
fn tenant_count(db: &TestDb) -> i64 {
    db.migrate();
    store::tenant_count(db)
}

async fn tenant_create_prints_credentials_that_authenticate(db: Db) {
    // Arrange
    let test_db = TestDb::fresh(db);

    // Act
    let out = run_cli(&[
        "tenant",
        "create",
        "--name",
        "Acme Pharma",
        "--gcp",
        "4012345",
        "--database-url",
        &test_db.url,
    ])
    .await;

    // Assert: exactly one JSON object with exactly the three fields scripts rely on
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "one line on stdout: {text:?}"
    );
    let created: Value = serde_json::from_str(text.trim()).expect("stdout is JSON");
    let mut fields: Vec<&String> = created.as_object().expect("a JSON object").keys().collect();
    fields.sort();
    assert_eq!(fields, ["api_key", "api_secret", "tenant_id"], "{created}");

    // ...and those credentials work against the service on the same database
    let url = test_db.url.clone();
    let app = spawn_on(test_db, test_settings(&url)).await;
    let token = app
        .token_for(
            created["api_key"].as_str().unwrap(),
            created["api_secret"].as_str().unwrap(),
        )
        .await;
    let (status, tenant) = app.get("/v1/tenant", &token).await;
    assert_eq!(status, 200, "{tenant}");
    assert_eq!(tenant["id"], created["tenant_id"]);
    assert_eq!(tenant["name"], json!("Acme Pharma"));
    assert_eq!(tenant["gs1_company_prefixes"], json!(["4012345"]));
    let (status, _) = app
        .post(
            "/v1/tenant/api_keys",
            &token,
            &json!({"name": "proves the admin role", "roles": ["shopfloor"]}),
        )
        .await;
    assert_eq!(status, 201, "the first key holds the admin role");
}

async fn tenant_create_accepts_several_prefixes_and_a_gln(db: Db) {
    let test_db = TestDb::fresh(db);

    let out = run_cli(&[
        "tenant",
        "create",
        "--name",
        "Globex",
        "--gcp",
        "4012345",
        "--gcp",
        "061414112",
        "--gln",
        "4012345000009",
        "--database-url",
        &test_db.url,
    ])
    .await;

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let (prefixes, gln) = store::tenant_prefixes_and_gln(&test_db);
    assert_eq!(prefixes, json!(["4012345", "061414112"]));
    assert_eq!(gln.as_deref(), Some("4012345000009"));
}

async fn migrate_exits_zero_and_creates_the_schema(db: Db) {
    let test_db = TestDb::fresh(db);

    let out = run_cli(&["migrate", "--database-url", &test_db.url]).await;
    let again = run_cli(&["migrate", "--database-url", &test_db.url]).await;

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(
        again.status.success(),
        "migrate is repeatable: {}",
        stderr(&again)
    );
    assert_eq!(store::tenant_count(&test_db), 0, "the tables exist");
}

/// A database made by the migration history before the baseline is refused by every command that
/// opens it, with a message naming its version, and left exactly as it was.
async fn a_database_of_an_older_schema_is_refused_and_left_alone(db: Db) {
    let test_db = TestDb::fresh(db);
    store::make_pre_baseline(&test_db);
    let newest_old = store::PRE_BASELINE_VERSIONS[4];

    let migrate = run_cli(&["migrate", "--database-url", &test_db.url]).await;
    let create = run_cli(&[
        "tenant",
        "create",
        "--name",
        "Acme",
        "--database-url",
        &test_db.url,
    ])
    .await;

    for (what, out) in [("migrate", &migrate), ("tenant create", &create)] {
        assert!(!out.status.success(), "{what} must refuse the database");
        let err = stderr(out);
        assert!(
            err.contains(newest_old) && err.contains("schema version"),
            "{what} names the version: {err}"
        );
        assert!(stdout(out).trim().is_empty(), "{what} printed nothing");
    }
    assert_eq!(
        store::table_list(&test_db),
        ["items"],
        "nothing was migrated or created"
    );
}

async fn invalid_company_prefix_or_gln_is_refused(db: Db) {
    let test_db = TestDb::fresh(db);

    for (flag, value) in [
        ("--gcp", "40123"),
        ("--gcp", "40123AB"),
        ("--gcp", "4012345678901"),
        ("--gln", "4012345000008"),
    ] {
        // Act
        let out = run_cli(&[
            "tenant",
            "create",
            "--name",
            "Acme",
            flag,
            value,
            "--database-url",
            &test_db.url,
        ])
        .await;

        // Assert
        assert!(!out.status.success(), "{flag} {value} must be refused");
        assert!(
            stdout(&out).trim().is_empty(),
            "no credentials printed: {}",
            stdout(&out)
        );
        assert!(
            stderr(&out).contains(value),
            "the message names the value: {}",
            stderr(&out)
        );
    }
    assert_eq!(tenant_count(&test_db), 0, "nothing written");
}

#[tokio::test]
async fn unknown_database_scheme_is_refused_with_a_clear_message() {
    for args in [
        &[
            "migrate",
            "--database-url",
            "mysql://root@localhost/serialhub",
        ][..],
        &[
            "tenant",
            "create",
            "--name",
            "Acme",
            "--database-url",
            "mysql://root@localhost/serialhub",
        ],
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            "mysql://root@localhost/serialhub",
        ],
    ] {
        let out = run_cli(args).await;

        assert!(!out.status.success(), "{args:?} must fail");
        let err = stderr(&out);
        assert!(err.contains("mysql"), "the message names the scheme: {err}");
        assert!(stdout(&out).trim().is_empty(), "{}", stdout(&out));
    }
}

#[tokio::test]
async fn unknown_scheme_is_refused_through_the_environment_too() {
    let out = tokio::task::spawn_blocking(|| {
        Command::new(env!("CARGO_BIN_EXE_serialhub"))
            .arg("migrate")
            .env("SERIALHUB_DATABASE_URL", "mongodb://localhost/serialhub")
            .output()
            .unwrap()
    })
    .await
    .unwrap();

    assert!(!out.status.success());
    assert!(stderr(&out).contains("mongodb"), "{}", stderr(&out));
}

#[tokio::test]
async fn serve_help_documents_flags_and_environment() {
    let out = run_cli(&["serve", "--help"]).await;

    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out);
    for needle in [
        "--bind",
        "--database-url",
        "SERIALHUB_BIND",
        "SERIALHUB_DATABASE_URL",
    ] {
        assert!(
            help.contains(needle),
            "serve --help mentions {needle}: {help}"
        );
    }
}

#[tokio::test]
async fn tenant_create_help_documents_its_flags() {
    let out = run_cli(&["tenant", "create", "--help"]).await;

    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out);
    for needle in [
        "--name",
        "--gcp",
        "--gln",
        "--database-url",
        "SERIALHUB_DATABASE_URL",
    ] {
        assert!(
            help.contains(needle),
            "tenant create --help mentions {needle}: {help}"
        );
    }
}

db_tests!(
    tenant_create_prints_credentials_that_authenticate,
    tenant_create_accepts_several_prefixes_and_a_gln,
    migrate_exits_zero_and_creates_the_schema,
    a_database_of_an_older_schema_is_refused_and_left_alone,
    invalid_company_prefix_or_gln_is_refused,
);
