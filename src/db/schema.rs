//! One portable schema for SQLite and PostgreSQL, written by hand: only Text, Integer, BigInt, Bool,
//! Timestamp and Binary (and SmallInt for status codes), so the same query code compiles for both
//! backends. `audit_items`, the history index, has a different shape on each backend and is only
//! reached through `dialect::history`.

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        gs1_company_prefixes -> Text,
        gln -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        tenant_id -> Text,
        api_key -> Text,
        name -> Text,
        roles -> Text,
        secret_hash -> Text,
        static_token_id -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        secret -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The hub's Ed25519 keys for signed audit checkpoints (the 32-byte seed of each).
    checkpoint_keys (key_id) {
        key_id -> Text,
        seed -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    channels (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        kind -> Text,
        source -> Text,
        channel_key -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (tenant_id, idem_key) {
        tenant_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        state -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        /// The UUID the product is named by in responses.
        uid -> Text,
        /// The brand owner (MAH): the tenant that registered the product.
        owner_tenant_id -> Text,
        product_code -> Text,
        name -> Text,
        created_at -> Timestamp,
        /// The serial template (`domain::pools::SerialTemplate`) and whether serials that were
        /// never in the pool are accepted at commissioning.
        serial_alphabet -> Text,
        serial_length -> SmallInt,
        external_serials -> Bool,
    }
}

diesel::table! {
    /// Who holds each GS1 Company Prefix; unique across tenants, set only by the operator.
    company_prefixes (prefix) {
        prefix -> Text,
        tenant_id -> Text,
    }
}

diesel::table! {
    /// GTINs the operator gave to a tenant outside its own company prefixes.
    gtin_assignments (product_code) {
        product_code -> Text,
        tenant_id -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    containers (id) {
        id -> BigInt,
        sscc -> Text,
        /// The tenant that packed the container (aggregated onto it).
        produced_by -> Text,
        /// The brand owner (MAH) of the goods inside.
        owner_tenant_id -> Text,
        status -> SmallInt,
        parent_container_id -> Nullable<BigInt>,
        channel_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One row per commissioning request: what its packs share.
    commissions (id) {
        id -> BigInt,
        product_id -> BigInt,
        batch -> Text,
        /// YYMMDD as printed.
        expiry_date -> Text,
        produced_by -> Text,
        /// Empty outside a channel.
        channel_id -> Text,
        commissioned_at -> Timestamp,
        event_id -> Nullable<BigInt>,
        /// The packaging order commissioned against, if any.
        order_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Packaging orders; `status` is a code (`db::orders`), the `rec_*` counts are written by
    /// `finish`.
    packaging_orders (id) {
        id -> BigInt,
        uid -> Text,
        tenant_id -> Text,
        order_id -> Text,
        product_id -> BigInt,
        batch -> Text,
        expiry_date -> Text,
        quantity -> BigInt,
        line -> Nullable<Text>,
        status -> SmallInt,
        assigned -> BigInt,
        rec_commissioned -> Nullable<BigInt>,
        rec_aggregated -> Nullable<BigInt>,
        rec_decommissioned -> Nullable<BigInt>,
        rec_returned -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Who holds pooled serials of one product: a tenant's stock (kind 1), what it took for its
    /// lines (kind 2), or one packaging order (kind 3).
    pool_holders (id) {
        id -> BigInt,
        product_id -> BigInt,
        tenant_id -> Text,
        kind -> SmallInt,
        order_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    items (id) {
        id -> BigInt,
        product_id -> BigInt,
        serial_number -> Text,
        /// NULL while the serial is in a pool (status 0), not yet a pack.
        commission_id -> Nullable<BigInt>,
        /// 0 pooled (see `db::pools`), else the pack's status code (`db::types`).
        status -> SmallInt,
        parent_container_id -> Nullable<BigInt>,
        parent_item_id -> Nullable<BigInt>,
        /// Who holds the serial in the pool (`pool_holders`); kept once commissioned, NULL for
        /// an external serial.
        holder_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// The reason of each decommissioned pack.
    item_decommissions (item_id) {
        item_id -> BigInt,
        reason -> Text,
    }
}

diesel::table! {
    partnerships (id) {
        id -> Text,
        mah_tenant_id -> Text,
        cmo_tenant_id -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partnership_products (partnership_id, product_id) {
        partnership_id -> Text,
        product_id -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        chain_tenant_id -> Text,
        seq -> BigInt,
        occurred_at -> Timestamp,
        action -> Text,
        actor_tenant_id -> Text,
        api_key_id -> Nullable<Text>,
        channel_id -> Nullable<Text>,
        owner_tenant_id -> Text,
        request_id -> Nullable<Text>,
        reason -> Nullable<Text>,
        payload -> Text,
        recipe -> SmallInt,
        prev_hash -> Text,
        hash -> Text,
        /// The server's own id of the request (the caller chooses `request_id`).
        server_request_id -> Nullable<Text>,
        // A 17th column, `txid BIGINT NOT NULL` (the writing transaction's id on PostgreSQL, 0
        // on SQLite: the feed's order with `id`), is named in SQL by `db::audit::txid` instead:
        // diesel's tables stop at 16 columns without its `32-column-tables` feature, which would
        // lengthen every build for one column.
    }
}

diesel::table! {
    audit_heads (chain_tenant_id) {
        chain_tenant_id -> Text,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_containers (container_id, event_id) {
        container_id -> BigInt,
        event_id -> BigInt,
    }
}

diesel::table! {
    /// The next serial reference of each (company prefix, extension digit) of the SSCC pool.
    sscc_counters (company_prefix, extension_digit) {
        company_prefix -> Text,
        extension_digit -> SmallInt,
        next_reference -> BigInt,
    }
}

diesel::table! {
    /// Every SSCC the pool handed out: status 1 available, 2 assigned, 3 used.
    sscc_pool (id) {
        id -> BigInt,
        tenant_id -> Text,
        sscc -> Text,
        extension_digit -> SmallInt,
        status -> SmallInt,
        requested_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(audit_containers -> audit_events (event_id));
diesel::joinable!(api_keys -> tenants (tenant_id));
diesel::joinable!(channels -> tenants (tenant_id));
diesel::joinable!(products -> tenants (owner_tenant_id));
diesel::joinable!(items -> products (product_id));
diesel::joinable!(items -> commissions (commission_id));
diesel::joinable!(commissions -> products (product_id));
diesel::joinable!(item_decommissions -> items (item_id));
diesel::joinable!(partnership_products -> partnerships (partnership_id));
diesel::joinable!(partnership_products -> products (product_id));
diesel::joinable!(items -> pool_holders (holder_id));
diesel::joinable!(pool_holders -> packaging_orders (order_id));
diesel::joinable!(packaging_orders -> products (product_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    api_keys,
    signing_keys,
    checkpoint_keys,
    channels,
    idempotency_keys,
    products,
    company_prefixes,
    gtin_assignments,
    containers,
    commissions,
    packaging_orders,
    pool_holders,
    items,
    item_decommissions,
    partnerships,
    partnership_products,
    audit_events,
    audit_heads,
    audit_containers,
    sscc_counters,
    sscc_pool,
);
