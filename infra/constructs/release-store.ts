import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  RELEASE_TABLE_KEYS,
  RELEASE_TABLE_TTL_ATTRIBUTE,
} from '../../functions/shared/aws/dynamodb-release-store.js';

export interface ReleaseStoreProps {
  /**
   * What happens to the table (the release history and the environment locks) when the stack goes.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Release records, one lock per environment, the push log and approvals, in one on-demand table. */
export class ReleaseStore extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ReleaseStoreProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: RELEASE_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: RELEASE_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      // The release notifier reads record changes from the stream, off the release's path.
      stream: StreamViewType.NEW_IMAGE,
      // Push, build-wait and approval items carry it; records, locks and heads never do.
      timeToLiveAttribute: RELEASE_TABLE_TTL_ATTRIBUTE,
    });
  }

  /** Read and write items; no table-level (DDL) actions. */
  grantReadWrite(grantee: IGrantable): void {
    this.table.grantReadWriteData(grantee);
  }
}
