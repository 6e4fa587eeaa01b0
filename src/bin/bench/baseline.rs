//! The same-rows baseline: the rows and audit rows the service writes, in the same transaction
//! shapes, straight through diesel on the service's own database — no HTTP, no JSON request
//! parsing, no authentication, no validation reads. It tells how much of a request is service
//! overhead on top of serialhub's data model; the minimal baseline (`minimal.rs`) tells what the
//! data model itself costs. This file is the one that knows serialhub's schema.

use std::sync::Arc;

use std::borrow::Cow;

use diesel::prelude::*;
use serialhub::audit::{self, Event};
use serialhub::db::{self, containers::NewContainer, items::NewPacks, DbConn, DbPool};
use serialhub::domain::actor::Actor;
use serialhub::domain::audit_payload::{
    AuditPayload, Change, ChildGroup, Commissioned, ObjectRef, Packed, Released,
};
use serialhub::domain::gs1::{Batch, Expiry, Gtin, SerialNumber, Sscc};
use serialhub::domain::lifecycle::Status;
use serialhub::error::{ApiError, ErrorType};
use serialhub::ids::{ContainerId, ItemId, ProductKey};

use crate::env::GTIN;

/// Who writes: the bench tenant's internal ids, for the rows the same-rows baseline writes.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub tenant_id: serialhub::ids::TenantId,
    pub api_key_id: serialhub::ids::ApiKeyId,
    pub product_id: ProductKey,
    pub channel_id: serialhub::ids::ChannelId,
}

impl Tenant {
    /// Reads the ids of what `env` created through the CLI path and the API.
    pub fn lookup(
        pool: &DbPool,
        created: &serialhub::admin::CreatedTenant,
        channel_key: &str,
    ) -> Result<Tenant, String> {
        let mut c = pool.get().map_err(err)?;
        let tenant_id = created.id();
        let product = db::products::find_owned(&mut c, &tenant_id, GTIN)
            .map_err(err)?
            .ok_or("the bench product is missing")?;
        let channel = db::channels::find_by_key(&mut c, channel_key)
            .map_err(err)?
            .ok_or("the bench channel is missing")?;
        Ok(Tenant {
            tenant_id,
            api_key_id: created.api_key_id.clone(),
            product_id: product.key,
            channel_id: channel.id,
        })
    }
}

const PENDING: Status = Status::PendingCommissioningApproval;
pub const BATCH: &str = "BENCH1";
pub const EXPIRY: &str = "301231";

/// Baseline transactions retried after an immediate `database is locked`.
pub static RETRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[derive(Clone)]
pub struct Baseline {
    pub pool: DbPool,
    pub tenant: Arc<Tenant>,
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// The harness's own GS1 values, valid by construction.
fn gs1<T, E: std::fmt::Debug>(parsed: Result<T, E>) -> Result<T, ApiError> {
    parsed.map_err(|e| ApiError::internal(format!("bench value refused: {e:?}")))
}

fn serials_of(serials: &[String]) -> Result<Vec<SerialNumber>, ApiError> {
    serials
        .iter()
        .map(|s| gs1(SerialNumber::parse(s)))
        .collect()
}

impl Baseline {
    fn actor(&self) -> Actor {
        Actor {
            tenant_id: self.tenant.tenant_id.clone(),
            api_key_id: self.tenant.api_key_id.clone(),
            channel_id: Some(self.tenant.channel_id.clone()),
            request_id: None,
            server_request_id: None,
        }
    }

    /// One write transaction. SQLite occasionally answers `database is locked` at once instead
    /// of waiting out `busy_timeout` (seen at the start of concurrent bursts); the baseline then
    /// retries, up to 5 times, and counts it (`RETRIES`, printed with the results).
    fn tx<T>(&self, f: impl Fn(&mut DbConn) -> Result<T, ApiError>) -> Result<T, String> {
        let mut conn = self.pool.get().map_err(err)?;
        let mut attempt = 0;
        loop {
            match db::write_tx(&mut conn, &f) {
                Ok(v) => return Ok(v),
                Err(e) if attempt < 5 && e.kind == ErrorType::Internal => {
                    attempt += 1;
                    RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(err(e)),
            }
        }
    }

    /// Only with `--analyze` (untimed, after each setup): a manual `ANALYZE` of the service's
    /// PostgreSQL database, as the harness of issue 6 did. By default the service gets no such
    /// help: it must keep its plans right by itself (issue 11).
    pub fn refresh_statistics(&self) -> Result<(), String> {
        let mut conn = self.pool.get().map_err(err)?;
        if let DbConn::Pg(pg) = &mut *conn {
            diesel::sql_query("ANALYZE").execute(pg).map_err(err)?;
        }
        Ok(())
    }

    /// One insert of all packs (their ids returned), one audit event + index rows.
    pub fn commission(&self, serials: &[String]) -> Result<(), String> {
        let t = &self.tenant;
        let actor = self.actor();
        self.tx(|c| {
            let now = db::now();
            let mut sorted: Vec<&str> = serials.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            let (commission, _ids) = db::items::insert_packs(
                c,
                &NewPacks {
                    product_id: t.product_id,
                    batch: BATCH,
                    expiry_date: EXPIRY,
                    produced_by: &t.tenant_id,
                    channel_id: Some(&t.channel_id),
                    at: now,
                    serials: &sorted,
                    order: None,
                },
            )?;
            let payload = AuditPayload::Commission(Commissioned {
                product_code: gs1(Gtin::parse(GTIN))?,
                batch: gs1(Batch::parse(BATCH))?,
                expiry_date: gs1(Expiry::parse_now(EXPIRY))?,
                serial_numbers: Cow::Owned(serials_of(serials)?),
                status: Change {
                    from: None,
                    to: PENDING,
                },
                order_id: None,
            });
            // The commissioning event is found through the pack's commission: no index rows.
            let event = audit::record(
                c,
                &actor,
                Event {
                    owner_tenant_id: &t.tenant_id,
                    reason: None,
                    payload,
                    items: &[],
                    containers: &[],
                },
            )?;
            db::items::set_commission_event(c, commission, event)?;
            Ok(())
        })
    }

    /// Creates the parent, moves every child with one conditional UPDATE (per 10 000), reads
    /// their ids back for the index rows, records the event.
    pub fn aggregate(&self, sscc: &str, serials: &[String]) -> Result<ContainerId, String> {
        let t = &self.tenant;
        let actor = self.actor();
        self.tx(|c| {
            let now = db::now();
            let parent = db::containers::create_or_get(
                c,
                &NewContainer {
                    sscc,
                    produced_by: &t.tenant_id,
                    owner_tenant_id: &t.tenant_id,
                    status: PENDING,
                    channel_id: Some(&t.channel_id),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            let mark = audit::Mark::reserve(c)?;
            let mut ids = Vec::with_capacity(serials.len());
            for chunk in serials.chunks(db::items::KEY_CHUNK) {
                ids.extend(update_children(c, parent.id, t.product_id, chunk, mark)?);
            }
            if ids.len() != serials.len() {
                return Err(serialhub::workflows::concurrent_change());
            }
            let product_code = gs1(Gtin::parse(GTIN))?;
            // The service's recipe-2 shape: one group per product.
            let children = vec![ChildGroup::Packs {
                product_code,
                serial_numbers: serials_of(serials)?,
            }];
            let sscc = gs1(Sscc::parse(sscc))?;
            audit::record_marked(
                c,
                &actor,
                audit::Stamped { mark, items: &ids },
                Event {
                    owner_tenant_id: &t.tenant_id,
                    reason: None,
                    payload: AuditPayload::Aggregate(Packed {
                        parent: ObjectRef::Container { sscc },
                        children,
                    }),
                    items: &ids,
                    containers: &[parent.id],
                },
            )?;
            Ok(parent.id)
        })
    }

    /// The pallet's conditional update, the two recursive updates below it (returning what they
    /// released), the event and its index rows.
    pub fn release(&self, pallet: &str) -> Result<(), String> {
        let t = &self.tenant;
        let actor = self.actor();
        self.tx(|c| {
            let now = db::now();
            let ids: Vec<ContainerId> = db::containers::by_ssccs(c, &[pallet])?
                .into_iter()
                .map(|r| r.id)
                .collect();
            if db::release::release_containers(c, &ids, now)? != 1 {
                return Err(serialhub::workflows::concurrent_change());
            }
            let mark = audit::Mark::reserve(c)?;
            let (boxes, packs) = db::release::release_below(c, &ids, &[], now, mark)?;
            let containers = [ids.as_slice(), &boxes].concat();
            let payload = AuditPayload::Release(Released {
                ssccs: vec![gs1(Sscc::parse(pallet))?],
                trade_items: vec![],
                released_packs: packs.len(),
                released_containers: boxes.len() + 1,
                status: Change {
                    from: PENDING,
                    to: Status::Released,
                },
            });
            audit::record_marked(
                c,
                &actor,
                audit::Stamped {
                    mark,
                    items: &packs,
                },
                Event {
                    owner_tenant_id: &t.tenant_id,
                    reason: None,
                    payload,
                    items: &packs,
                    containers: &containers,
                },
            )?;
            Ok(())
        })
    }
}

/// One conditional UPDATE of the children, returning their ids: the service's statement
/// (`db::items::attach_loose_by_serials`) without its CMO condition and its read of the
/// commissions — the ids through the unique (product, serial) index, one probe per key on
/// PostgreSQL (`Keys::sql_ids_of_serials`), the pending test written so that no partial index is
/// combined in (`Keys::sql_code_is`), the event stamped on each pack's row on PostgreSQL.
fn update_children(
    c: &mut DbConn,
    parent: ContainerId,
    product: ProductKey,
    serials: &[String],
    mark: audit::Mark,
) -> QueryResult<Vec<ItemId>> {
    use diesel::sql_types::{BigInt, Text};
    use serialhub::db::dialect::{KeyList, Keys};
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: ItemId,
    }
    let keys = Keys::text(c, serials);
    let rows: Vec<Id> = diesel::sql_query(format!(
        "UPDATE items SET parent_container_id = $1{} WHERE {} AND {} \
         AND parent_container_id IS NULL AND parent_item_id IS NULL RETURNING id",
        mark.sql_set(),
        keys.sql_ids_of_serials(2, 3),
        keys.sql_code_is("status", serialhub::db::types::status_code(PENDING)),
    ))
    .bind::<BigInt, _>(parent)
    .bind::<BigInt, _>(product)
    .bind::<KeyList<Text>, _>(keys)
    .load(c)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
