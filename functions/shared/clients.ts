import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { OpenSearchClient } from '@aws-sdk/client-opensearch';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { createSignedFetch } from '#src/adapters/aws/signed-fetch.js';

/**
 * The AWS SDK clients the functions use, each created on first use and then reused for the life of
 * the container, so a function builds only the clients of the destinations it is configured with.
 * Tests pass their own instance (or clients stubbed with aws-sdk-client-mock).
 *
 * @example const clients = new AwsClients(); await clients.s3.send(command);
 */
export class AwsClients {
  private firehoseClient?: FirehoseClient;
  private kinesisClient?: KinesisClient;
  private s3Client?: S3Client;
  private snsClient?: SNSClient;
  private opensearchClient?: OpenSearchClient;
  private signedFetches = new Map<string, ReturnType<typeof createSignedFetch>>();

  get firehose(): FirehoseClient {
    this.firehoseClient ??= new FirehoseClient({});
    return this.firehoseClient;
  }

  get kinesis(): KinesisClient {
    this.kinesisClient ??= new KinesisClient({});
    return this.kinesisClient;
  }

  get s3(): S3Client {
    this.s3Client ??= new S3Client({});
    return this.s3Client;
  }

  get sns(): SNSClient {
    this.snsClient ??= new SNSClient({});
    return this.snsClient;
  }

  get opensearch(): OpenSearchClient {
    this.opensearchClient ??= new OpenSearchClient({});
    return this.opensearchClient;
  }

  /** A fetch signing for OpenSearch Service in `region` with the function's own credentials. */
  signedFetch(region: string): ReturnType<typeof createSignedFetch> {
    let send = this.signedFetches.get(region);
    if (!send) {
      send = createSignedFetch({ region, credentials: defaultProvider() });
      this.signedFetches.set(region, send);
    }
    return send;
  }
}
