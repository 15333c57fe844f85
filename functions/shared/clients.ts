import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';

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
}
