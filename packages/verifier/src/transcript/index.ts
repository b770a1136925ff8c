export { Transcript, TranscriptError } from './transcript.js';
