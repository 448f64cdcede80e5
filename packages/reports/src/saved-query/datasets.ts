/**
 * Datasets a saved query may read, declared in code. The compiler takes every identifier it
 * writes into SQL from here (table, columns) and never from a request: a request can only
 * *name* a declared field, and an unknown name is refused before any SQL exists.
 */

/** How a field's values are compared, aggregated and shown. */
export type FieldType = 'text' | 'integer' | 'timestamp';

export interface DatasetField {
  name: string;
  type: FieldType;
  /** Column expression over the dataset's alias `t`; written here, never taken from a request. */
  column: string;
  description: string;
}

export interface Dataset {
  name: string;
  /** Schema-qualified table, read as `… AS t`. */
  table: string;
  /** The timestamp field `time_range` applies to. */
  timeField: string;
  /** Key of the dataset's row in `dataset.dataset_freshness`. */
  freshnessKey: string;
  fields: readonly DatasetField[];
  /** Fields that are scoping fields (see data-scope.ts); a scope on any other empties a query. */
  scopingFields: readonly string[];
}

export const balanceTransactionsDataset: Dataset = {
  name: 'balance_transactions',
  table: 'dataset.balance_transactions',
  timeField: 'created',
  freshnessKey: 'balance_transactions',
  scopingFields: ['currency', 'customer'],
  fields: [
    { name: 'id', type: 'text', column: 't.id', description: 'Balance transaction id.' },
    {
      name: 'created',
      type: 'timestamp',
      column: 't.created',
      description: 'When the transaction was created.',
    },
    {
      name: 'available_on',
      type: 'timestamp',
      column: 't.available_on',
      description: 'When the funds become available.',
    },
    {
      name: 'currency',
      type: 'text',
      column: 't.currency',
      description: 'Three-letter ISO currency code, lowercase.',
    },
    { name: 'amount', type: 'integer', column: 't.amount', description: 'Gross amount in minor units.' },
    { name: 'fee', type: 'integer', column: 't.fee', description: 'Fees in minor units.' },
    { name: 'net', type: 'integer', column: 't.net', description: 'Net amount in minor units.' },
    { name: 'type', type: 'text', column: 't.type', description: 'charge, refund, payout or adjustment.' },
    {
      name: 'reporting_category',
      type: 'text',
      column: 't.reporting_category',
      description: 'Accounting category.',
    },
    {
      name: 'customer',
      type: 'text',
      column: 't.customer',
      description: 'Customer id; null when there is none.',
    },
    {
      name: 'description',
      type: 'text',
      column: 't.description',
      description: 'Free-text description; may be null.',
    },
    { name: 'status', type: 'text', column: 't.status', description: 'available or pending.' },
  ],
};

const datasets: readonly Dataset[] = [balanceTransactionsDataset];
const byName = new Map(datasets.map((dataset) => [dataset.name, dataset]));

export function listDatasets(): readonly Dataset[] {
  return datasets;
}

export function findDataset(name: string): Dataset | undefined {
  return byName.get(name);
}
