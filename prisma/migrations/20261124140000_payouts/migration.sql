-- payouts.itemized.1 needs what a payout's balance transaction does not say: the payout's id,
-- expected arrival, status, method and destination. One row per balance transaction of type
-- 'payout'. No foreign key: dataset tables are bulk-loaded (and may live on a replica), and the
-- reports LEFT JOIN so a missing row cannot hide a payout.

-- CreateTable
CREATE TABLE "dataset"."payouts" (
    "id" TEXT NOT NULL,
    "balance_transaction_id" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "arrival_date" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "destination" TEXT NOT NULL,

    CONSTRAINT "payouts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "payouts_balance_transaction_id_key" ON "dataset"."payouts"("balance_transaction_id");
