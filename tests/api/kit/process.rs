//! The real `serialhub` binary as an operator runs it: `serve` in a child process on a free
//! port, its memory as the kernel counts it, and the ways it ends (SIGTERM, kill -9).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `serialhub serve` child process; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

impl Server {
    /// Starts `serialhub serve` on `database_url` and a free port, with extra flags, and waits
    /// until `/healthz` answers (at most 60 s).
    pub async fn start(database_url: &str, flags: &[&str]) -> Server {
        Server::start_on(database_url, free_port(), flags).await
    }

    /// The same on a given port (a restart on the address clients already use).
    pub async fn start_on(database_url: &str, port: u16, flags: &[&str]) -> Server {
        let bind = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_serialhub"))
            .arg("serve")
            .args(["--bind", &bind, "--database-url", database_url])
            .args(flags)
            .env_remove("SERIALHUB_DATABASE_URL")
            .env_remove("SERIALHUB_BIND")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serialhub binary runs");
        let server = Server {
            child,
            address: format!("http://{bind}"),
        };
        server.wait_healthy(Duration::from_secs(60)).await;
        server
    }

    async fn wait_healthy(&self, within: Duration) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ok = client
                .get(format!("{}/healthz", self.address))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ok {
                return;
            }
            assert!(
                started.elapsed() < within,
                "serialhub serve did not answer /healthz within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A line of `/proc/PID/status` in KiB (`VmRSS`: resident now, `VmHWM`: the peak).
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("the process is alive");
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in /proc status"))
    }

    /// Sends a signal (`TERM`, `KILL`, …) with kill(1).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{name} {}", self.pid());
    }

    /// Waits for the process to end (at most `within`) and returns its exit code (`None`: killed
    /// by a signal).
    pub async fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(
                started.elapsed() < within,
                "serialhub did not exit within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `serialhub ARGS...` to its end (at most two minutes) with a clean environment for its
/// settings (no `SERIALHUB_DATABASE_URL`, `SERIALHUB_BIND` or `SERIALHUB_LOG_JSON` of the
/// caller's shell) and returns its output.
pub async fn run_cli(args: &[&str]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_serialhub"))
            .args(&args)
            .env_remove("SERIALHUB_DATABASE_URL")
            .env_remove("SERIALHUB_BIND")
            .env_remove("SERIALHUB_LOG_JSON")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serialhub binary runs");
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                panic!("serialhub {args:?} did not finish");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}
