//! PRODUCT.md §1.2, cell by cell. Tenants: M (MAH, owns P and Q), C1 (its CMO, active
//! partnership granting P), C2 (another CMO of M, active partnership granting only Q), X
//! (unrelated). C1 also owns a product R of its own. Every endpoint that touches a product, pack,
//! container or partnership is called by each of the four, and the exact status and error type
//! are asserted; refused writes must leave the database untouched, and answers about objects the
//! caller may not see must be byte-identical to those about objects that do not exist.

mod matrix;
mod oracles;
mod views;

use reqwest::Method;
use serde_json::Value;

use crate::kit::gs1::gtin;
use crate::kit::partners::partner;
use crate::kit::{send_text, Line, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    M,
    C1,
    C2,
    X,
}

const ALL: [Who; 4] = [Who::M, Who::C1, Who::C2, Who::X];

struct World {
    m: Line,
    c1: Line,
    c2: Line,
    x: Line,
    p: String,
    q: String,
    r: String,
    /// M → C1 (P) and M → C2 (Q).
    deal_c1: String,
    deal_c2: String,
}

impl World {
    fn party(&self, who: Who) -> &Line {
        match who {
            Who::M => &self.m,
            Who::C1 => &self.c1,
            Who::C2 => &self.c2,
            Who::X => &self.x,
        }
    }
}

/// What a cell sends.
#[derive(Debug, Clone)]
enum Req {
    Get(String),
    Post(String, Value),
    Patch(String, Value),
    /// Manufacturer V2, over the caller's own channel.
    Mv2(Method, &'static str, Value),
}

impl Req {
    fn is_write(&self) -> bool {
        !matches!(self, Req::Get(_))
    }
}

/// Sends what a cell or pair describes, as `who`; (status, raw body).
async fn call(app: &TestApp, w: &World, who: Who, req: &Req) -> (u16, String) {
    let p = w.party(who);
    match req {
        Req::Get(path) => send_text(app.req(Method::GET, path, p.token())).await,
        Req::Post(path, body) => send_text(app.req(Method::POST, path, p.token()).json(body)).await,
        Req::Patch(path, body) => {
            send_text(app.req(Method::PATCH, path, p.token()).json(body)).await
        }
        Req::Mv2(method, path, body) => p.send_text(method.clone(), path, body).await,
    }
}

/// The world every test of this module starts from (see the module documentation): M's own
/// production of P (packs loose, on cases, in a bundle, a case on a pallet), C1's production of P
/// for M (likewise), C1's own product R packed on its own SSCC, and C2's one pack of Q.
async fn world(app: &TestApp) -> World {
    let m = Line::with_gcp(app, "M", "4012345").await;
    let c1 = Line::with_gcp(app, "C1", "4098765").await;
    let c2 = Line::with_gcp(app, "C2", "4055555").await;
    let x = Line::with_gcp(app, "X", "4077777").await;
    let (p, q, r) = (
        gtin("0401234511111"),
        gtin("0401234522222"),
        gtin("0409876533333"),
    );
    m.register(&p).await;
    m.register(&q).await;
    c1.register(&r).await;
    let deal_c1 = partner(&m, &c1, &[&p]).await;
    let deal_c2 = partner(&m, &c2, &[&q]).await;

    // M's own production of P.
    let mine: Vec<String> = [
        "M-A1", "M-A2", "M-B0", "M-B1", "M-C1", "M-C2", "M-C3", "M-C4",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain((1..=6).map(|i| format!("M-L{i}")))
    .collect();
    let refs: Vec<&str> = mine.iter().map(String::as_str).collect();
    m.commission_ok(&p, &refs).await;
    m.pack_onto(&m.sscc(1), &p, &["M-A1", "M-A2"]).await;
    m.bundle_ok(&p, "M-B0", &["M-B1"]).await;
    for (n, s) in [(11, "M-C1"), (12, "M-C2"), (13, "M-C3"), (14, "M-C4")] {
        m.pack_onto(&m.sscc(n), &p, &[s]).await;
    }
    m.palletise_ok(&m.sscc(30), &[&m.sscc(13)]).await;

    // C1's production of P for M.
    let theirs: Vec<String> = [
        "C1-A1", "C1-A2", "C1-B0", "C1-B1", "C1-B2", "C1-B3", "C1-S1", "C1-S2",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain((1..=6).map(|i| format!("C1-C{i}")))
    .chain((1..=10).map(|i| format!("C1-L{i}")))
    .collect();
    let refs: Vec<&str> = theirs.iter().map(String::as_str).collect();
    c1.commission_ok(&p, &refs).await;
    c1.pack_onto(&c1.sscc(1), &p, &["C1-A1", "C1-A2"]).await;
    c1.pack_onto(&c1.sscc(2), &p, &["C1-S1", "C1-S2"]).await;
    c1.bundle_ok(&p, "C1-B0", &["C1-B1"]).await;
    c1.bundle_ok(&p, "C1-B2", &["C1-B3"]).await;
    for i in 1..=6u64 {
        c1.pack_onto(&c1.sscc(10 + i), &p, &[&format!("C1-C{i}")])
            .await;
    }
    c1.palletise_ok(&c1.sscc(30), &[&c1.sscc(14)]).await;
    c1.palletise_ok(&c1.sscc(31), &[&c1.sscc(15)]).await;

    // C1's own product R, and C2's production of Q for M.
    c1.commission_ok(&r, &["R-1", "R-2"]).await;
    c1.pack_onto(&c1.sscc(50), &r, &["R-1", "R-2"]).await;
    c2.commission_ok(&q, &["Q-1"]).await;

    World {
        m,
        c1,
        c2,
        x,
        p,
        q,
        r,
        deal_c1,
        deal_c2,
    }
}

/// A Manufacturer V2 `POST` over the caller's channel.
fn mv2_post(path: &'static str, body: Value) -> Req {
    Req::Mv2(Method::POST, path, body)
}

/// A Manufacturer V2 `DELETE` over the caller's channel.
fn mv2_delete(path: &'static str, body: Value) -> Req {
    Req::Mv2(Method::DELETE, path, body)
}
