import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Chargeback, TeamCharge } from '../../domain/chargeback/chargeback';
import type { AlertLedger, AlertScope, ChargebackStore, IngestionStateStore, PendingShrink, SentAlert, SourceMonthHealth, SourceMonthState } from '../../ports/ports';
import { batchWrite } from './batch-write';
import { keys } from './keys';
import { queryAll } from './query-all';
import { isConditionFailure } from './condition-failure';

/** Which months each source has settled, in DynamoDB. */
export class DynamoIngestionStateStore implements IngestionStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getMonthState(source: string, month: string): Promise<SourceMonthState | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.sourceMonth(source, month) }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...state } = out.Item;
    return state as SourceMonthState;
  }

  async putMonthState(state: SourceMonthState): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...keys.sourceMonth(state.source, state.month), ...state } }));
  }

  async listPendingShrinks(source: string): Promise<PendingShrink[]> {
    const prefix = keys.pendingShrinkPrefix(source);
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': prefix.pk, ':sk': prefix.sk },
    });
    return items.map(({ pk: _pk, sk: _sk, ...shrink }) => shrink as unknown as PendingShrink);
  }

  async putPendingShrink(shrink: PendingShrink): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...keys.pendingShrink(shrink.source, shrink.day), ...shrink } }));
  }

  async clearPendingShrink(source: string, day: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.pendingShrink(source, day) }));
  }

  async putMonthHealth(health: SourceMonthHealth): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...keys.monthHealth(health.month, health.source), ...health } }));
  }

  async listMonthHealth(month: string): Promise<SourceMonthHealth[]> {
    const items = await queryAll(this.client, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.monthHealthOf(month) } });
    return items.map(({ pk: _pk, sk: _sk, ...health }) => health as unknown as SourceMonthHealth);
  }
}

/** Month-to-date chargebacks in DynamoDB: one item per team, so a team's month is one GetItem. */
export class DynamoChargebackStore implements ChargebackStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putChargeback(chargeback: Chargeback, computedAt: string): Promise<void> {
    const { teams, ...summary } = chargeback;
    const items = [
      { ...keys.chargebackSummary(chargeback.month), ...summary, computedAt },
      ...teams.map((team) => ({ ...keys.teamCharge(chargeback.month, team.team), ...team, month: chargeback.month, computedAt })),
    ];
    await batchWrite(this.client, this.table, items.map((Item) => ({ PutRequest: { Item } })));
  }

  async getTeamCharge(month: string, team: string): Promise<TeamCharge | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.teamCharge(month, team) }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, month: _m, computedAt: _c, ...charge } = out.Item;
    return charge as TeamCharge;
  }
}

/**
 * The alert ledger in DynamoDB: one item per month, kind and scope holding every level of it, rewritten with a
 * condition on its version (and that its rank does not go down), so claiming a scope's levels is one write and
 * two runs never both claim the same level. Items of the per-level ledger before it (sk = the alert key) are
 * still read, as alerts already sent, so an upgrade sends nothing twice.
 */
export class DynamoAlertLedger implements AlertLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async write(next: AlertScope): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.alertScope(next.month, next.id), ...next },
          ...(next.version === 1
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :previous AND #rank <= :rank', ExpressionAttributeNames: { '#rank': 'rank' }, ExpressionAttributeValues: { ':previous': next.version - 1, ':rank': next.rank } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listScopes(month: string): Promise<AlertScope[]> {
    return (await this.items(month)).filter((i) => (i.sk as string).startsWith(keys.alertScopePrefix())).map(({ pk: _pk, sk: _sk, ...scope }) => scope as unknown as AlertScope);
  }

  async listMonth(month: string): Promise<SentAlert[]> {
    const alerts = (await this.items(month)).flatMap(({ pk: _pk, sk, ...item }) =>
      (sk as string).startsWith(keys.alertScopePrefix()) ? [...(item as unknown as AlertScope).earlier, (item as unknown as AlertScope).alert] : [item as unknown as SentAlert],
    );
    return alerts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private items(month: string) {
    return queryAll(this.client, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.alertMonth(month) } });
  }
}
