//! A throw-away PostgreSQL cluster of the test's own, for tests that stop the database: `initdb`
//! into a fresh directory under the temp dir, its own port, its socket in that directory; never
//! the shared server. Started and stopped with `pg_ctl`; stopped and removed when dropped.

use std::path::PathBuf;
use std::process::{Command, Output};

use super::process::free_port;

/// Where the machine's PostgreSQL server binaries are (Debian's postgresql-15 package).
const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct PgCluster {
    dir: PathBuf,
    pub port: u16,
}

/// Runs a PostgreSQL tool; as root, as the `postgres` user (the server refuses to run as root).
fn tool(name: &str, args: &[&str]) -> Output {
    let program = format!("{BIN}/{name}");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &program]);
        c
    } else {
        Command::new(&program)
    };
    cmd.args(args).output().expect("PostgreSQL tool runs")
}

fn check(what: &str, out: Output) {
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the machine has the server binaries.
pub fn available() -> bool {
    std::path::Path::new(&format!("{BIN}/initdb")).exists()
}

impl PgCluster {
    /// A new cluster (trust authentication for `postgres`), started.
    pub fn create() -> PgCluster {
        let dir = std::env::temp_dir().join(format!("serialhub-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&dir).expect("cluster directory");
        let chown = Command::new("chown")
            .args(["postgres:postgres", &dir.display().to_string()])
            .output();
        let _ = chown; // not root: the directory is ours already
        let cluster = PgCluster {
            dir,
            port: free_port(),
        };
        check(
            "initdb",
            tool(
                "initdb",
                &[
                    "-D",
                    &cluster.data(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                ],
            ),
        );
        cluster.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// The admin URL (database `postgres`).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").display().to_string();
        check(
            "pg_ctl start",
            tool(
                "pg_ctl",
                &[
                    "-D",
                    &self.data(),
                    "-o",
                    &options,
                    "-l",
                    &log,
                    "-w",
                    "start",
                ],
            ),
        );
    }

    /// Stops the server at once (`-m immediate`: connections are cut, as in a crash).
    pub fn stop(&self) {
        check(
            "pg_ctl stop",
            tool(
                "pg_ctl",
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
            ),
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = tool(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
