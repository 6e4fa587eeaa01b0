//! `GET /v1/containers/{sscc}`: status and the full hierarchy below, as it is now.

use std::collections::HashMap;

use actix_web::web::{self, Data};
use serde_json::{json, Value};

use super::{produced_by, READ_ROLES};
use crate::auth::Identity;
use crate::db::{self, containers::ContainerRow, hierarchy::TreePack, DbPool};
use crate::domain::gs1::Sscc;
use crate::error::ApiError;
use crate::http::{read, reply::Reply};
use crate::ids::{ContainerId, ItemId};

#[utoipa::path(get, path = "/v1/containers/{sscc}", tag = "lookup", summary = "One container with its hierarchy", params(("sscc" = String, Path, description = "SSCC (18 digits)")), responses((status = 200, description = "Container", body = crate::openapi::Success), (status = 404, description = "NotFoundError: no such container of the caller", body = crate::openapi::ErrorEnvelope)), security(("access_token" = []), ("bearer" = [])))]
pub async fn show(
    pool: Data<DbPool>,
    id: Identity,
    path: web::Path<String>,
) -> Result<Reply, ApiError> {
    id.require_any(&READ_ROLES)?;
    let sscc = Sscc::parse(&path.into_inner()).map_err(|_| ApiError::not_found("Container"))?;
    let tenant = id.tenant_id.clone();
    let body = read(&pool, move |conn| {
        db::read_tx(conn, |c| {
            let root = db::containers::find(c, sscc.as_str())?
                .filter(|r| r.owner_tenant_id == tenant)
                .ok_or_else(|| ApiError::not_found("Container"))?;
            let parent = match root.parent_container_id {
                Some(pid) => db::containers::by_id(c, pid)?.map(|p| json!({"sscc": p.sscc})),
                None => None,
            };
            let (boxes, packs) = db::hierarchy::below(c, root.id)?;
            let tree = Tree::new(boxes, packs);
            Ok(json!({
                "sscc": root.sscc,
                "status": root.status,
                "parent": parent,
                "produced_by": produced_by(c, &root.produced_by)?,
                "created_at": crate::time::rfc3339(root.created_at),
                "pack_count": tree.packs.len(),
                "history": crate::routes::audit::history(c, &tenant, None, Some(root.id))?,
                "children": tree.container_children(root.id),
            }))
        })
    })
    .await?;
    Ok(Reply::ok(body))
}

/// The hierarchy below a container, indexed by parent for building the nested JSON.
struct Tree {
    packs: Vec<TreePack>,
    boxes_in: HashMap<ContainerId, Vec<ContainerRow>>,
    packs_in_box: HashMap<ContainerId, Vec<usize>>,
    packs_in_pack: HashMap<ItemId, Vec<usize>>,
}

impl Tree {
    fn new(boxes: Vec<ContainerRow>, mut packs: Vec<TreePack>) -> Tree {
        packs.sort_by(|a, b| {
            (&a.product_code, &a.serial_number).cmp(&(&b.product_code, &b.serial_number))
        });
        let mut boxes_in: HashMap<ContainerId, Vec<ContainerRow>> = HashMap::new();
        for b in boxes {
            if let Some(p) = b.parent_container_id {
                boxes_in.entry(p).or_default().push(b);
            }
        }
        for v in boxes_in.values_mut() {
            v.sort_by(|a, b| a.sscc.cmp(&b.sscc));
        }
        let mut packs_in_box: HashMap<ContainerId, Vec<usize>> = HashMap::new();
        let mut packs_in_pack: HashMap<ItemId, Vec<usize>> = HashMap::new();
        for (i, p) in packs.iter().enumerate() {
            match (p.parent_container_id, p.parent_item_id) {
                (Some(c), _) => packs_in_box.entry(c).or_default().push(i),
                (None, Some(it)) => packs_in_pack.entry(it).or_default().push(i),
                _ => {}
            }
        }
        Tree {
            packs,
            boxes_in,
            packs_in_box,
            packs_in_pack,
        }
    }

    fn container_children(&self, id: ContainerId) -> Vec<Value> {
        let mut out = Vec::new();
        for b in self.boxes_in.get(&id).into_iter().flatten() {
            out.push(json!({"type": "container", "sscc": b.sscc, "status": b.status, "children": self.container_children(b.id)}));
        }
        for &i in self.packs_in_box.get(&id).into_iter().flatten() {
            out.push(self.pack(i));
        }
        out
    }

    fn pack(&self, i: usize) -> Value {
        let p = &self.packs[i];
        let children: Vec<Value> = self
            .packs_in_pack
            .get(&p.id)
            .into_iter()
            .flatten()
            .map(|&j| self.pack(j))
            .collect();
        json!({"type": "trade_item", "product_code": p.product_code, "serial_number": p.serial_number, "status": p.status, "children": children})
    }
}
