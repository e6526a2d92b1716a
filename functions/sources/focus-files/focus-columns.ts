/**
 * Which FOCUS version a file is, from the columns it has, and the columns costline reads from it. FOCUS files
 * carry no version field, so the version is the newest whose added columns appear (FOCUS_Spec CHANGELOG.md and
 * focus-2026.md): 1.1 added CapacityReservationId, CapacityReservationStatus, CommitmentDiscountQuantity,
 * CommitmentDiscountUnit, ServiceSubcategory, SkuMeter, SkuPriceDetails; 1.2 BillingAccountType, SubAccountType,
 * InvoiceId and the PricingCurrency columns; 1.3 ServiceProviderName, HostProviderName, the Allocated* split-cost
 * columns and ContractApplied. A file with ChargeClass (mandatory since 1.0) and none of those is 1.0.
 */

/** The FOCUS versions costline reads. */
export const FOCUS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
export type FocusVersion = (typeof FOCUS_VERSIONS)[number];

/** A FOCUS file costline cannot read: names the file and, where one is at fault, the column and row. */
export class MalformedFocusFileError extends Error {
  override readonly name = 'MalformedFocusFileError';
}

/** The columns each version added, newest first; any one of them present makes a file at least that version. */
const ADDED: ReadonlyArray<[FocusVersion, readonly string[]]> = [
  ['1.3', ['ServiceProviderName', 'HostProviderName', 'AllocatedMethodId', 'AllocatedMethodDetails', 'AllocatedResourceId', 'AllocatedResourceName', 'AllocatedTags', 'ContractApplied']],
  ['1.2', ['BillingAccountType', 'SubAccountType', 'InvoiceId', 'PricingCurrency', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost', 'PricingCurrencyListUnitPrice']],
  ['1.1', ['CapacityReservationId', 'CapacityReservationStatus', 'CommitmentDiscountQuantity', 'CommitmentDiscountUnit', 'ServiceSubcategory', 'SkuMeter', 'SkuPriceDetails']],
];

/** Columns of versions costline does not read: 1.4's invoice detail, and the pre-1.0 names 1.0 renamed. */
const NEWER = ['InvoiceDetailId'];
const OLDER = ['UsageQuantity', 'UsageUnit', 'ChargeType', 'Region'];

/** What every version from 1.0 has and costline reads (the provider column is per version, below). */
const REQUIRED = ['BillingAccountId', 'BillingCurrency', 'BilledCost', 'EffectiveCost', 'ChargeCategory', 'ChargeClass', 'ChargePeriodStart', 'BillingPeriodStart', 'BillingPeriodEnd', 'ServiceName'] as const;

/** The provider column of a version: 1.3 renamed ProviderName (deprecated there, removed in 1.4) to ServiceProviderName. */
export function providerColumnOf(version: FocusVersion): 'ServiceProviderName' | 'ProviderName' {
  return version === '1.3' ? 'ServiceProviderName' : 'ProviderName';
}

/** The version of a file with these columns, checked: every column costline needs is there. */
export interface FocusLayout {
  version: FocusVersion;
  providerColumn: 'ServiceProviderName' | 'ProviderName';
}

/**
 * Detects the version of a file from its column names and checks the columns costline reads.
 * @param file the object's `s3://` address, for errors
 * @throws MalformedFocusFileError naming the file, and the columns, when the version is not 1.0 to 1.3 or a required column is missing
 */
export function layoutOf(columns: readonly string[], file: string): FocusLayout {
  const present = new Set(columns);
  const newer = NEWER.filter((c) => present.has(c));
  if (newer.length > 0) throw new MalformedFocusFileError(`${file}: ${columnsNamed(newer)} ${newer.length === 1 ? 'is' : 'are'} from a FOCUS version after 1.3; costline reads FOCUS 1.0 to 1.3`);
  const older = OLDER.filter((c) => present.has(c));
  if (!present.has('ChargeClass') && older.length > 0) {
    throw new MalformedFocusFileError(`${file}: ${columnsNamed(older)} and no ChargeClass: a FOCUS version before 1.0 (1.0 renamed or replaced these); costline reads FOCUS 1.0 to 1.3`);
  }
  const version = ADDED.find(([, added]) => added.some((c) => present.has(c)))?.[0] ?? '1.0';
  const providerColumn = providerColumnOf(version);
  const missing = [...REQUIRED, providerColumn].filter((c) => !present.has(c));
  if (missing.length > 0) {
    const what = present.has('ChargeClass') ? `FOCUS ${version} (from its columns)` : 'not a FOCUS 1.0 to 1.3 file (no ChargeClass column, mandatory since 1.0)';
    throw new MalformedFocusFileError(`${file}: ${what}: ${columnsNamed(missing)} ${missing.length === 1 ? 'is' : 'are'} missing`);
  }
  return { version, providerColumn };
}

/** `column A` or `columns A, B`. */
function columnsNamed(names: readonly string[]): string {
  return `${names.length === 1 ? 'column' : 'columns'} ${names.join(', ')}`;
}

/** Every column the mapper reads, for a Parquet file's projection. */
export const READ_COLUMNS = [...REQUIRED, 'ServiceProviderName', 'ProviderName', 'BillingAccountName', 'SubAccountId', 'SubAccountName', 'ServiceCategory', 'SkuMeter', 'ConsumedQuantity', 'ConsumedUnit', 'Tags'] as const;
export type FocusColumn = (typeof READ_COLUMNS)[number];
