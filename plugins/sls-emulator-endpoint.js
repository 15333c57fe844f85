/**
 * osls plugin: on the stages listed in `custom.emulator.stages`, sends every AWS call osls makes to
 * a LocalStack-compatible emulator instead of AWS.
 *
 * osls 4 builds AWS SDK v3 clients, and SDK v3 reads `AWS_ENDPOINT_URL` for every service
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), so setting it before
 * the first client is made is all it takes. It replaces serverless-localstack, whose newest release
 * still calls the SDK v2 provider methods osls 4 removed. A value already in the environment wins,
 * so CI can point at another port or host.
 */
export default class EmulatorEndpointPlugin {
  /**
   * @param {{ service: { custom?: { emulator?: { stages?: string[]; endpoint?: string } } }; getProvider(name: string): { getStage(): string } }} serverless
   * @param {Record<string, unknown>} _options
   * @param {{ log: { notice(message: string): void } }} utils
   */
  constructor(serverless, _options, utils) {
    this.hooks = {
      initialize: () => {
        const emulator = serverless.service.custom?.emulator ?? {};
        const stage = serverless.getProvider('aws').getStage();
        if (!(emulator.stages ?? []).includes(stage)) return;
        if (['1', 'true'].includes(String(process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).toLowerCase()))
          throw new Error(`stage ${stage} targets the emulator: unset AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`);
        process.env.AWS_ENDPOINT_URL ??= emulator.endpoint ?? 'http://127.0.0.1:4566';
        // The emulator accepts any key; these placeholders only stop the SDK looking for real ones.
        process.env.AWS_ACCESS_KEY_ID ??= 'test';
        process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
        utils.log.notice(`Stage ${stage}: AWS calls go to the emulator at ${process.env.AWS_ENDPOINT_URL}`);
      },
    };
  }
}
