/**
 * osls plugin: `sls invoke local` runs the functions against local files unless told otherwise.
 *
 * The functions' destination settings (the alerts topic, the buckets, the stream, the Firehose
 * prefixes) name the deployed stack's resources; `sls invoke local` resolves such references by
 * reading that stack with AWS credentials, so a first try on a laptop failed. The `destinations`
 * param defaults to `${invokeLocal:destinations}`, which this plugin resolves to `files` for
 * `sls invoke local` (the functions write JSONL under FLEETSTREAM_LOCAL_OUT and log each path) and
 * to `aws` for every other command. `--param destinations=aws` points an `invoke local` at the
 * deployed stack's destinations instead (it needs credentials).
 */
export default class InvokeLocalFilesPlugin {
  /**
   * @param {{ processedInput: { commands?: string[] }; service: { provider: { environment?: Record<string, unknown> } } }} serverless
   * @param {Record<string, unknown>} _options
   * @param {{ log: { notice(message: string): void } }} utils
   */
  constructor(serverless, _options, utils) {
    const invokingLocally = () => {
      const [first, second] = serverless.processedInput?.commands ?? [];
      return first === 'invoke' && second === 'local';
    };
    this.configurationVariablesSources = {
      invokeLocal: {
        resolve: ({ address }) => {
          if (address !== 'destinations')
            throw new Error(`\${invokeLocal:${address}}: the only address is "destinations"`);
          return { value: invokingLocally() ? 'files' : 'aws' };
        },
      },
    };
    this.hooks = {
      'before:invoke:local:invoke': () => {
        const environment = serverless.service.provider.environment ?? {};
        utils.log.notice(
          `Destinations: files under ${environment.FLEETSTREAM_LOCAL_OUT ?? '.fleetstream/invoke-local'} unless --param destinations=aws`,
        );
      },
    };
  }
}
