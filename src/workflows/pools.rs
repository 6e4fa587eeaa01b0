//! Serial pools (PRODUCT.md §3.2, §3.3; docs/pools.md): generating serials into the owner's
//! pool, a MAH giving serials to a CMO, a line taking serials and giving unused ones back, and
//! the pool view. Every hand-out is one conditional statement (`db::pools`), so no serial is
//! handed out twice, whatever runs at the same time on however many instances.

use std::collections::HashSet;

use super::access;
use crate::audit::{self, Event};
use crate::db::{self, pools::PoolScope, products::ProductRow, DbConn};
use crate::domain::actor::Actor;
use crate::domain::audit_payload::{AuditPayload, SerialsAssigned, SerialsGenerated, SerialsMoved};
use crate::domain::gs1::{Gtin, SerialNumber};
use crate::domain::partnership::PartnershipStatus;
use crate::domain::pools::{
    as_serials, serials_digest, HolderKind, SerialAlphabet, SerialTemplate,
};
use crate::error::{ApiError, Detail, ErrorType};
use crate::ids::{HolderKey, PartnershipId};

/// Most serials one generation may ask for (PRODUCT.md: a million in one request works).
pub const MAX_GENERATE: u64 = 1_000_000;

/// Draw rounds before a generation gives up: each round draws what is still missing, and the
/// guessability rule keeps the space ≥ 10 000 × what is in use, so a drawn serial collides with
/// probability below 1 in 10 000 and a second round is already rare.
const MAX_ROUNDS: usize = 32;

fn product_error(code: &Gtin) -> ApiError {
    ApiError::new(ErrorType::Product, format!("Product {code} does not exist"))
}

/// The product's serial template as stored.
pub fn template_of(p: &ProductRow) -> Result<SerialTemplate, ApiError> {
    let alphabet = SerialAlphabet::parse(&p.serial_alphabet)
        .ok_or_else(|| ApiError::internal("unknown serial alphabet in the database"))?;
    SerialTemplate::new(alphabet, p.serial_length as usize)
        .map_err(|_| ApiError::internal("serial length out of range in the database"))
}

/// The outcome of a generation.
pub struct Generated {
    pub product: ProductRow,
    pub template: SerialTemplate,
    pub quantity: u64,
}

/// `serials/generate`: `quantity` new random serials into the owner's pool, `available`. Only the
/// product's owner generates; to anyone else the product does not exist.
pub fn generate(
    conn: &mut DbConn,
    actor: &Actor,
    gtin: &Gtin,
    quantity: u64,
) -> Result<Generated, ApiError> {
    let product = db::products::find_owned(conn, &actor.tenant_id, gtin.as_str())?
        .ok_or_else(|| product_error(gtin))?;
    let template = template_of(&product)?;
    let in_use = db::pools::serials_in_use(conn, product.key)?;
    template.check_guessability(in_use, quantity).map_err(|e| {
        ApiError::validation(
            e.to_string(),
            vec![Detail::at(
                "quantity",
                "too many for the product's serial template",
            )],
        )
    })?;
    let stock = db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Stock)?;
    let mut rng = rand::thread_rng();
    let mut made: Vec<String> = Vec::with_capacity(quantity as usize);
    for _ in 0..MAX_ROUNDS {
        let missing = quantity as usize - made.len();
        if missing == 0 {
            break;
        }
        // Distinct within the round; the unique key skips what the product already has.
        let mut seen: HashSet<String> = HashSet::with_capacity(missing);
        let mut candidates = Vec::with_capacity(missing);
        while candidates.len() < missing {
            let s = template.draw(&mut rng).as_str().to_string();
            if seen.insert(s.clone()) {
                candidates.push(s);
            }
        }
        made.extend(db::pools::insert_pooled(
            conn,
            product.key,
            stock,
            &candidates,
        )?);
    }
    if made.len() as u64 != quantity {
        return Err(ApiError::internal(
            "could not draw enough distinct serials; the template's space is nearly used",
        ));
    }
    let payload = AuditPayload::SerialsGenerate(SerialsGenerated {
        product_code: gtin.clone(),
        quantity,
        serial_template: format!("{}/{}", template.alphabet().as_str(), template.length()),
        serials_sha256: serials_digest(made.iter().map(String::as_str)),
    });
    record(conn, actor, &product, payload)?;
    Ok(Generated {
        product,
        template,
        quantity,
    })
}

fn record(
    conn: &mut DbConn,
    actor: &Actor,
    product: &ProductRow,
    payload: AuditPayload<'_>,
) -> Result<i64, ApiError> {
    Ok(audit::record(
        conn,
        actor,
        Event {
            owner_tenant_id: &product.owner_tenant_id,
            reason: None,
            payload,
            items: &[],
            containers: &[],
        },
    )?)
}

fn not_enough(asked: u64, got: usize) -> ApiError {
    ApiError::state(
        format!(
            "{asked} serials were asked for but only {got} are available; nothing was assigned"
        ),
        vec![Detail::at("quantity", format!("at most {got} available"))],
    )
}

/// `POST /v1/tenant/partnerships/{id}/serials`: the MAH gives `quantity` of its available
/// serials of a product to the CMO of an active partnership that grants the product.
pub fn assign_to_partner(
    conn: &mut DbConn,
    actor: &Actor,
    partnership: &PartnershipId,
    gtin: &Gtin,
    quantity: u64,
) -> Result<u64, ApiError> {
    let p = db::partnerships::find_for_party(conn, partnership, &actor.tenant_id)?
        .ok_or_else(|| ApiError::not_found("Partnership"))?;
    if p.mah_tenant_id != actor.tenant_id {
        return Err(ApiError::forbidden(
            "Only the brand owner (MAH) of a partnership assigns serials to its CMO",
        ));
    }
    if p.status != PartnershipStatus::Active {
        return Err(ApiError::state(
            format!(
                "The partnership is {}; serials are assigned only under an active one",
                p.status
            ),
            vec![],
        ));
    }
    let product = db::products::find_owned(conn, &actor.tenant_id, gtin.as_str())?
        .ok_or_else(|| product_error(gtin))?;
    if !db::partnerships::product_codes(conn, partnership)?.contains(gtin) {
        return Err(ApiError::state(
            format!("The partnership does not grant product {gtin} to the CMO"),
            vec![Detail::at(
                "product_code",
                "not granted by this partnership",
            )],
        ));
    }
    let from = db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Stock)?;
    let to = db::pools::tenant_holder(conn, product.key, &p.cmo_tenant_id, HolderKind::Stock)?;
    let moved = db::pools::take(conn, from, to, quantity as i64)?;
    if (moved.len() as u64) < quantity {
        return Err(not_enough(quantity, moved.len()));
    }
    let payload = AuditPayload::SerialsAssign(SerialsAssigned {
        product_code: gtin.clone(),
        partnership_id: partnership.clone(),
        cmo_tenant_id: p.cmo_tenant_id.clone(),
        quantity,
        serials_sha256: serials_digest(moved.iter().map(String::as_str)),
    });
    record(conn, actor, &product, payload)?;
    Ok(quantity)
}

/// The product a line may use, for pool calls: its own, or granted by an active partnership.
fn producible(conn: &mut DbConn, actor: &Actor, gtin: &Gtin) -> Result<ProductRow, ApiError> {
    let mut found =
        access::require_products(conn, actor, [("product_code".to_string(), gtin.as_str())])?;
    Ok(found
        .remove(gtin.as_str())
        .expect("required products are present"))
}

/// `serials/request`: `quantity` of the caller's available serials, handed to its line
/// (assigned). All or nothing.
pub fn request(
    conn: &mut DbConn,
    actor: &Actor,
    gtin: &Gtin,
    quantity: u64,
) -> Result<Vec<String>, ApiError> {
    let product = producible(conn, actor, gtin)?;
    let from = db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Stock)?;
    let to = db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Taken)?;
    let mut taken = db::pools::take(conn, from, to, quantity as i64)?;
    if (taken.len() as u64) < quantity {
        return Err(not_enough(quantity, taken.len()));
    }
    taken.sort_unstable();
    let payload = AuditPayload::SerialsRequest(SerialsMoved {
        product_code: gtin.clone(),
        serial_numbers: as_serials(&taken),
    });
    record(conn, actor, &product, payload)?;
    Ok(taken)
}

/// `serials/release`: serials the caller took for its lines and did not commission go back to
/// its stock (`available`). Every listed serial must qualify, else nothing moves.
pub fn release(
    conn: &mut DbConn,
    actor: &Actor,
    gtin: &Gtin,
    serials: &[SerialNumber],
) -> Result<usize, ApiError> {
    let product = producible(conn, actor, gtin)?;
    let raw: Vec<&str> = serials.iter().map(|s| s.as_str()).collect();
    let taken = db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Taken)?;
    let stock = db::pools::tenant_holder(conn, product.key, &actor.tenant_id, HolderKind::Stock)?;
    let moved = db::pools::move_listed(conn, product.key, &raw, &[taken], stock)?;
    if moved.len() < raw.len() {
        return Err(refuse_release(conn, actor, &product, &raw, &moved, stock)?);
    }
    let payload = AuditPayload::SerialsRelease(SerialsMoved {
        product_code: gtin.clone(),
        serial_numbers: serials.to_vec(),
    });
    record(conn, actor, &product, payload)?;
    Ok(moved.len())
}

/// Why each serial that did not move was refused. Only what the caller holds is described; any
/// other serial — another tenant's, unknown — gets the one answer "not assigned to you".
fn refuse_release(
    conn: &mut DbConn,
    actor: &Actor,
    product: &ProductRow,
    raw: &[&str],
    moved: &[String],
    stock: HolderKey,
) -> Result<ApiError, ApiError> {
    let moved: HashSet<&str> = moved.iter().map(String::as_str).collect();
    let refused: Vec<&str> = raw.iter().copied().filter(|s| !moved.contains(s)).collect();
    let mine: HashSet<HolderKey> = db::pools::holders_of(conn, product.key, &actor.tenant_id)?
        .into_iter()
        .map(|h| h.id)
        .collect();
    let states: std::collections::HashMap<String, db::pools::SerialState> =
        db::pools::states(conn, product.key, &refused)?
            .into_iter()
            .map(|s| (s.serial_number.clone(), s))
            .collect();
    let details = raw
        .iter()
        .enumerate()
        .filter(|(_, s)| !moved.contains(*s))
        .map(|(i, s)| {
            let why = match states.get(*s) {
                Some(st) if st.status == db::pools::POOLED && st.holder_id == Some(stock) => {
                    "is already available"
                }
                Some(st)
                    if st.status == db::pools::POOLED
                        && st.holder_id.is_some_and(|h| mine.contains(&h)) =>
                {
                    "is assigned to a packaging order; finishing the order returns it"
                }
                Some(st)
                    if st.status != db::pools::POOLED
                        && (product.owner_tenant_id == actor.tenant_id
                            || st.holder_id.is_some_and(|h| mine.contains(&h))) =>
                {
                    "is commissioned; only unused pool serials can be returned"
                }
                _ => "is not assigned to you",
            };
            Detail::at(format!("serial_numbers[{i}]"), format!("serial {s} {why}"))
        })
        .collect();
    Ok(ApiError::state(
        "Only unused serials taken from the pool can be returned; nothing was returned",
        details,
    ))
}

/// Who a pool view is for: the owner sees its whole pool; a CMO that may produce the product
/// sees what it holds and what it commissioned.
pub fn view_scope(
    conn: &mut DbConn,
    actor: &Actor,
    gtin: &Gtin,
) -> Result<(ProductRow, PoolScope), ApiError> {
    let product = producible(conn, actor, gtin).map_err(|_| product_error(gtin))?;
    let stock = db::pools::find_holder(conn, product.key, &actor.tenant_id, HolderKind::Stock)?
        .unwrap_or(HolderKey::from_db(db::pools::NO_HOLDER));
    if product.owner_tenant_id == actor.tenant_id {
        return Ok((product, PoolScope::Owner { stock }));
    }
    let holders = db::pools::holders_of(conn, product.key, &actor.tenant_id)?
        .into_iter()
        .map(|h| h.id)
        .collect();
    Ok((
        product,
        PoolScope::Partner {
            tenant: actor.tenant_id.clone(),
            stock,
            holders,
        },
    ))
}
