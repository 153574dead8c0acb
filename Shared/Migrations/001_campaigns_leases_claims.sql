-- PostgreSQL is the authority on inventory: the CHECKs below are what make over-granting
-- impossible even if service code is wrong (DESIGN.md invariants 1, 2 and 4).
create table campaigns (
    id                text primary key,
    name              text not null,
    starts_at         timestamptz not null,
    ends_at           timestamptz not null,
    stock             integer not null check (stock > 0),
    available         integer not null,
    per_user_limit    integer not null default 1,
    coupon_kind       text not null check (coupon_kind in ('percent', 'amount')),
    coupon_value      numeric(12, 2) not null,
    min_order_amount  numeric(12, 2),
    max_discount      numeric(12, 2),
    valid_for_seconds integer,
    hold_seconds      integer,
    rate_per_second   integer not null check (rate_per_second >= 1),
    max_active        integer,
    token_ttl_seconds integer not null default 120,
    paused            boolean not null default false,
    cancelled_at      timestamptz,
    created_at        timestamptz not null default now(),
    constraint available_within_stock check (available >= 0 and available <= stock),
    constraint window_positive check (ends_at > starts_at)
);

-- A batch of units handed to one ClaimApi instance. used + returned can never exceed granted,
-- so claims written against a lease can never exceed what PostgreSQL granted.
create table leases (
    id           bigserial primary key,
    campaign_id  text not null references campaigns (id),
    instance_id  text not null,
    granted      integer not null check (granted > 0),
    used         integer not null default 0 check (used >= 0),
    returned     integer not null default 0 check (returned >= 0),
    granted_at   timestamptz not null,
    heartbeat_at timestamptz not null,
    closed_at    timestamptz,
    constraint lease_not_overdrawn check (used + returned <= granted)
);
create index leases_open on leases (campaign_id) where closed_at is null;

create table claims (
    id               bigserial primary key,
    campaign_id      text not null references campaigns (id),
    user_id          text not null,
    coupon_code      text not null unique,
    lease_id         bigint not null references leases (id),
    claimed_at       timestamptz not null,
    expires_at       timestamptz,
    status           text not null default 'claimed' check (status in ('claimed', 'redeemed', 'released', 'expired')),
    order_id         text,
    discount_amount  numeric(12, 2),
    redeemed_at      timestamptz,
    constraint one_claim_per_user unique (campaign_id, user_id)
);
create index claims_user on claims (user_id);

create table audit_log (
    id          bigserial primary key,
    at          timestamptz not null,
    actor       text not null,
    action      text not null,
    campaign_id text,
    details     jsonb not null
);
