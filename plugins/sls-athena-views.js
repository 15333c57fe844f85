/**
 * osls plugin: after `sls deploy`, creates the Athena views that show each lake row once
 * (`<table>` over the raw Glue table `<table>_raw`; src/schema/dedupe-views.ts). CloudFormation has
 * no resource for Athena views. Stages without analytics (no `AthenaWorkGroupName` output) skip it.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { tsImport } from 'tsx/esm/api';

export default class AthenaViewsPlugin {
  /**
   * @param {{ service: { service: string }; getProvider(name: string): { getStage(): string; getRegion(): string } }} serverless
   * @param {Record<string, unknown>} _options
   * @param {{ log: { notice(message: string): void } }} utils
   */
  constructor(serverless, _options, utils) {
    this.hooks = {
      'after:deploy:deploy': async () => {
        const provider = serverless.getProvider('aws');
        const region = provider.getRegion();
        const stackName = `${serverless.service.service}-${provider.getStage()}`;
        const cloudFormation = new CloudFormationClient({ region });
        const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
        const output = (key) => Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
        const workGroup = output('AthenaWorkGroupName');
        const database = output('GlueDatabaseName');
        if (!workGroup || !database) return;
        const { dedupeViewStatements } = await tsImport('../src/schema/dedupe-views.ts', import.meta.url);
        const { createAthenaViews } = await tsImport('../src/adapters/aws/athena-views.ts', import.meta.url);
        const views = await createAthenaViews({
          client: new AthenaClient({ region }),
          workGroup,
          database,
          statements: dedupeViewStatements(),
        });
        utils.log.notice(`Athena views (each lake row once): ${views.join(', ')}`);
      },
    };
  }
}
