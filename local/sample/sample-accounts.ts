/** Linked accounts of the sample organisation. */
export const ACCOUNTS = {
  payments: '111122223333',
  data: '222233334444',
  support: '333344445555',
  shared: '444455556666',
  growth: '555566667777',
  search: '777788889999',
  /** The management (payer) account, `sources.aws.billingAccountId`: only costline's Cost Explorer requests are billed here. */
  management: '999988887777',
} as const;

export const ACCOUNT_NAMES: Record<string, string> = {
  [ACCOUNTS.payments]: 'payments-prod',
  [ACCOUNTS.data]: 'data-prod',
  [ACCOUNTS.support]: 'support-prod',
  [ACCOUNTS.shared]: 'shared-services',
  [ACCOUNTS.growth]: 'growth-prod',
  [ACCOUNTS.search]: 'search-prod',
  [ACCOUNTS.management]: 'management',
};
